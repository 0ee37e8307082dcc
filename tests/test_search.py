"""Statement search (``?search=`` on /api/statements/): what it finds, and that its cost is
bounded whatever a client sends (issue "Hold under hostile load", item 3).

A search is at most ``ARGMAP_SEARCH_MAX_WORDS`` words and ``ARGMAP_SEARCH_MAX_LENGTH``
characters, each word one ``LIKE``; on PostgreSQL the ``LIKE``s go through a trigram
index (api/migrations/0004).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api import services
from api.models import Statement


def search(client, query: str, **params):
    return client.get("/api/statements/", {"search": query, "page_size": 100, **params})


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {s["id"] for s in response.json()["results"]}


@pytest.fixture
def words_map(make_map):
    map_ = make_map("words")
    rows = {
        "both": services.statement_create(
            map_=map_, text="The Kuril islands matter.", quote="", attributed_to="Moscow"
        ),
        "text": services.statement_create(map_=map_, text="Sovereignty is deferred."),
        "attribution": services.statement_create(
            map_=map_, text="A deal is near.", attributed_to="Sovereignty hawks"
        ),
    }
    return map_, {key: row.pk for key, row in rows.items()}


def test_every_word_in_any_field_any_case_any_part_of_a_word(api_client, words_map):
    map_, pk = words_map
    assert ids(search(api_client, "sovereign", map="words")) == {pk["text"], pk["attribution"]}
    assert ids(search(api_client, "KURIL moscow", map="words")) == {pk["both"]}
    assert ids(search(api_client, "kuril deferred", map="words")) == set()
    # Fields are joined by a space, and a word has none: no match across two fields.
    assert ids(search(api_client, "matter.Moscow", map="words")) == set()
    everything = set(map_.statements.values_list("pk", flat=True))
    assert ids(search(api_client, "  ", map="words")) == everything


def test_too_many_words_is_a_400_naming_the_cap_and_costs_no_query(api_client, words_map):
    with CaptureQueriesContext(connection) as queries:
        response = search(api_client, " ".join(["word"] * 11))
    assert response.status_code == 400
    [message] = response.json()["errors"]["search"]
    assert "At most 10 words" in message
    assert "ARGMAP_SEARCH_MAX_WORDS" in message
    assert "got 11" in message
    assert not [q for q in queries.captured_queries if "LIKE" in q["sql"].upper()]


def test_a_1000_word_search_is_a_400_not_a_500(api_client, words_map):
    # 4 KB of words answered 500 on SQLite (too deep an expression) and took 5.5 s on
    # PostgreSQL with 28 700 statements.
    response = search(api_client, " ".join(["sovereignty"] * 1000))
    assert response.status_code == 400
    assert "ARGMAP_SEARCH_MAX_LENGTH" in response.json()["errors"]["search"][0]


def test_too_long_a_search_is_a_400_naming_the_cap(api_client, words_map):
    response = search(api_client, "x" * 201)
    assert response.status_code == 400
    [message] = response.json()["errors"]["search"]
    assert message == "At most 200 characters (ARGMAP_SEARCH_MAX_LENGTH); got 201."
    assert search(api_client, "x" * 200).status_code == 200


def test_the_caps_come_from_the_settings(api_client, words_map, settings):
    settings.ARGMAP_SEARCH_MAX_WORDS = 2
    settings.ARGMAP_SEARCH_MAX_LENGTH = 12
    assert search(api_client, "kuril moscow").status_code == 200
    assert "At most 2 words" in search(api_client, "a b c").json()["errors"]["search"][0]
    assert "At most 12 characters" in search(api_client, "x" * 13).json()["errors"]["search"][0]


def test_a_nul_character_is_a_400(api_client, words_map):
    response = search(api_client, "kuril\x00")
    assert response.status_code == 400
    assert response.json()["errors"]["search"]


def test_each_word_is_one_like_in_the_query(api_client, words_map):
    with CaptureQueriesContext(connection) as queries:
        assert ids(search(api_client, " ".join("aeiklrstu."))) == {words_map[1]["both"]}
    searches = [q["sql"].upper() for q in queries.captured_queries if " LIKE " in q["sql"].upper()]
    assert searches  # the count and the page
    assert {sql.count(" LIKE ") for sql in searches} == {10}
    with CaptureQueriesContext(connection) as queries:
        assert search(api_client, "kuril " * 10).status_code == 200
    searches = [q["sql"].upper() for q in queries.captured_queries if " LIKE " in q["sql"].upper()]
    assert {sql.count(" LIKE ") for sql in searches} == {1}  # a word given twice: once


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)")
def test_on_postgresql_the_search_goes_through_the_trigram_index(words_map):
    with connection.cursor() as cursor:
        # A tiny table would be read whole, or in id order: leave the planner the bitmap
        # scans that an index on the search expression makes possible.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        sql, params = Statement.objects.search(["kuril", "moscow"]).query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "api_statement_search_trgm" in plan, plan

"""A trigram index for statement search on PostgreSQL (``?search=`` on /api/statements/).

``StatementQuerySet.search`` filters with ``icontains`` on the text, quote and attribution
joined by spaces; PostgreSQL compares ``UPPER(document) LIKE UPPER('%word%')``, and a GIN
index with ``gin_trgm_ops`` on exactly ``UPPER(document)`` answers that without reading
every row. The index is built by Django's own schema editor from the same expression, so
it is the expression the query uses. Other databases (SQLite for ``make run``) have no
trigram index: there the search stays a bounded number of ``LIKE``s.

pg_trgm is a trusted extension (PostgreSQL 13 and later): the database's owner may create
it; docs/deploy.md says so.
"""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations
from django.db.models import F, Func, TextField, Value
from django.db.models.functions import Cast, Upper

INDEX_NAME = "api_statement_search_trgm"


def document():
    # A frozen copy of api.models.statement_search_document (a migration keeps its own).
    return Func(
        F("text"),
        Value(" "),
        F("quote"),
        Value(" "),
        F("attributed_to"),
        template="(%(expressions)s)",
        arg_joiner=" || ",
        output_field=TextField(),
    )


def index() -> GinIndex:
    return GinIndex(
        OpClass(Upper(Cast(document(), TextField())), name="gin_trgm_ops"), name=INDEX_NAME
    )


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("api", "Statement"), index())


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("api", "Statement"), index())


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0003_statement_note"),
    ]

    operations = [
        TrigramExtension(),  # does nothing on other databases
        migrations.RunPython(create_index, drop_index),
    ]

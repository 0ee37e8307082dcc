"""Build fixtures/essay.json: the argument map of Kozyrev's 2019 essay on the peace treaty talks.

The analysis lives here as plain Python data; the quotes' offsets are computed from the cleaned
source text (fixtures/kozyrev-2019-source.txt), so the fixture can never drift from it.

    python scripts/build_essay_fixture.py          # (re)write fixtures/essay.json
    python scripts/build_essay_fixture.py --check  # exit 1 if fixtures/essay.json is stale

Standard library only: no Django needed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "fixtures" / "kozyrev-2019-source.txt"
OUTPUT = ROOT / "fixtures" / "essay.json"

LOST_TEXT_MARKER = "[…text lost in the PDF extraction…]"

MAP_PK = 1
MAP = {
    "slug": "kozyrev-2019-russo-japanese-peace-treaty",
    "title": "Kozyrev (2019): a Russo-Japanese peace treaty breakthrough at Osaka?",
    "summary": (
        "Kozyrev argues that, despite Moscow's hard conditions, Japanese public disapproval and "
        "gloomy press reports, there might be a breakthrough in the Russo-Japanese peace treaty "
        "talks at the June 2019 G20 summit in Osaka. Each side could meet the other's "
        "conditions: Russia by trading its Soviet-era “bastion strategy” for a smaller U.S. "
        "military presence, Japan by a “just-in-time” recognition of Russia's current "
        "sovereignty that keeps its own claim open for later. A deal would not be aimed at "
        "China but would fit Beijing-coordinated regional integration, which may also draw "
        "Washington toward less military regional arrangements."
    ),
    "source_title": (
        "Demystifying Russo-Japanese Peace Treaty Talks Before the June 2019 G20 Osaka Summit"
    ),
    "source_author": "Vitaly Kozyrev",
    # The exact publication date is unknown. The essay was written in spring 2019: it cites
    # Foreign Minister Kono's announcement of March 18, 2019 and looks ahead to the June 2019
    # Osaka summit. April 2019 is the estimate; the 1st of the month stands in for the day.
    "source_date": "2019-04-01",
    "source_url": "",
    "version": 1,
    "created_at": "2019-04-01T00:00:00Z",
    "updated_at": "2019-04-01T00:00:00Z",
}


def statement(key, text, quote, by="", occurrence=None):
    """One claim: ``text`` in the analyst's words, ``quote`` verbatim from the source.

    ``by`` names whose claim it is when it is not the author's. ``occurrence`` (0-based) picks
    one of several occurrences of the quote; without it the quote must occur exactly once.
    """
    return {"key": key, "text": text, "quote": quote, "by": by, "occurrence": occurrence}


def link(key, kind, premises, *, to=None, against=None, scheme="", note=""):
    """A support/oppose link from ``premises`` (co-premises) to the statement ``to``, or, for an
    undercutter, against the inference of the link ``against``."""
    return {
        "key": key,
        "kind": kind,
        "premises": premises,
        "to": to,
        "against": against,
        "scheme": scheme,
        "note": note,
    }


# ---------------------------------------------------------------------------------------------
# Statements, the main conclusion first, then roughly in the order of the essay.
# ---------------------------------------------------------------------------------------------
STATEMENTS = [
    # The thesis ("For all of these reasons, ...").
    statement(
        "breakthrough",
        "A breakthrough in the Russo-Japanese peace treaty talks is possible at the G20 summit "
        "in Osaka in June 2019.",
        "there might just be some breakthroughs in Osaka this June",
    ),
    # Paragraph 1: the leaders' resolve.
    statement(
        "putin_offer",
        "At the Eastern Economic Forum in Vladivostok in September 2018, Putin unexpectedly "
        "offered Abe to sign a peace treaty without preconditions.",
        "Putin’s sudden proposal to Japanese Prime Minister Shinzo Abe at the September 2018 "
        "Eastern Economic Forum (EEF) in Vladivostok to sign an unconditional peace treaty",
    ),
    statement(
        "summits",
        "Putin's offer was followed by further Putin-Abe summits in Singapore, Buenos Aires and "
        "Moscow.",
        "followed by subsequent summits in Singapore, Buenos Aires, and Moscow",
    ),
    statement(
        "resolve",
        "Putin and Abe are both determined to come closer than ever to a final agreement.",
        "demonstrated the two leaders’ resolves to move closer than ever to a final agreement",
    ),
    statement(
        "abe_next_generation",
        "The territorial issue will not be left for the next generation to solve.",
        "the issue “will not be left for the next generation” to solve",
        by="Abe",
    ),
    statement(
        "observers_expect",
        "A breakthrough deal might be signed during Putin's visit to the G20 summit in Osaka in "
        "June 2019.",
        "observers speculate that a breakthrough deal might be inked",
        by="observers",
    ),
    # Paragraph 2: the grounds for pessimism.
    statement(
        "rumors",
        "As the Putin-Abe dialogue has intensified, rumors and worries about what is really "
        "being negotiated have spread in both countries.",
        "rumors and concerns in both countries about the real content and subject of "
        "negotiations have arisen",
    ),
    statement(
        "kono_secrecy",
        "The details of the Russo-Japanese talks will be kept secret until an appropriate "
        "solution is found.",
        "the details of these talks will be kept secret until an appropriate solution is found",
        by="Kono",
    ),
    statement(
        "public_disapproves",
        "Most of the Japanese public disapproves of any deal with Russia over the islands.",
        "The majority of the Japanese public disapproves of any deal",
    ),
    statement(
        "militarization",
        "While talking cooperation, the Kremlin has sent top officials to the Kurils and keeps "
        "reinforcing Russia's defense installations on the disputed islands.",
        "the Kremlin has dispatched top officials to visit the Kurils and has continued to "
        "reinforce Russia’s defense installations on the disputed islands",
    ),
    statement(
        "unrealistic",
        "A settlement between Russia and Japan is unrealistic.",
        "make resolution between Russia and Japan unrealistic",
    ),
    statement(
        "req_sovereignty",
        "Moscow demands, as a condition of any peace treaty, that Tokyo recognize Russia's de "
        "jure sovereignty over all four South Kuril Islands.",
        "One includes Tokyo’s recognition of Russia’s de-jure sovereignty over the four South "
        "Kuril Islands",
    ),
    statement(
        "req_security_exemption",
        "Moscow demands guarantees from both Tokyo and Washington that any islands returned to "
        "Japan would be exempt from the 1960 U.S.-Japan Security Treaty.",
        "guarantees by both Tokyo and Washington that the returned islands would be exempt from "
        "the 1960 U.S.-Japan Security Treaty",
    ),
    statement(
        "security_treaty",
        "The 1960 U.S.-Japan Security Treaty gives the United States the right to use facilities "
        "and areas in Japan to station its armed forces permanently.",
        "which grants the United States the right to use some facilities and areas in Japan to "
        "deploy its armed forces on a permanent basis",
    ),
    # Paragraph 3: the answer — two considerations, and Japanese motives.
    statement(
        "media_pessimism",
        "The negotiations have stalled, or the Kremlin is deceiving Tokyo and using the talks to "
        "drive a wedge between Japan and the United States.",
        "There have been many reports in the Russian media that the negotiations have stalled or "
        "that the Kremlin is deceiving Tokyo",
        by="Russian media",
    ),
    statement(
        "consensus_possible",
        "A Russo-Japanese consensus on the status of the islands is not out of the question.",
        "a Russo-Japanese consensus on the status of the islands does not seem to be out of the "
        "question",
    ),
    statement(
        "bastion_revision",
        "The Kremlin might revise its Soviet-era “bastion strategy”, which required absolute "
        "control over the Kurils, in exchange for a U.S. troop withdrawal from Japan and a "
        "multilateral arrangement on access to the Sea of Okhotsk and Russia's free access to the "
        "Pacific.",
        "the Kremlin might consider a potential revision of its Soviet-era “bastion strategy” "
        "which required Russia’s absolute control over the Kuril Islands, in exchange for any "
        "prospective U.S. troops withdrawal from Japan",
    ),
    statement(
        "japan_recognition",
        "Japan's leaders might be willing to satisfy Russia's request for a “just-in-time” "
        "recognition of Russia's current sovereignty over the islands as a result of WWII.",
        "the Japanese leadership might consider satisfying Russia’s requests to recognize "
        "“justin-time” recognition of the “current sovereignty status” of Russia over the islands",
    ),
    statement(
        "moscow_gain",
        "A Japanese recognition of Russia's current sovereignty would help Moscow block any other "
        "attempt to revise the international and legal agreements signed after WWII.",
        "Such a move would help Moscow prevent any other attempts to revise the major "
        "international and legal agreements signed in the aftermath of that war",
    ),
    statement(
        "tokyo_keeps_claim",
        "A Japanese recognition of Russia's current sovereignty would still leave Tokyo the right "
        "to put the sovereignty question back on the negotiating table in the future.",
        "while reserving Tokyo’s right to put the sovereignty issue under negotiations in the "
        "future",
    ),
    statement(
        "putin_1956",
        "The 1956 Joint Declaration neither provides a basis for returning Habomai and Shikotan "
        "nor settles which country has sovereignty over the islands.",
        "“neither mentions a basis for returning Habomai and Shikotan nor clarifies which country "
        "has sovereignty over the islands,”",
        by="Putin",
    ),
    statement(
        "sovereignty_open",
        "The sovereignty of the islands remains a matter for further negotiation.",
        "thus making the issue a subject of further negotiations",
    ),
    statement(
        "anti_china_sentiment",
        "Growing anti-China sentiment in Japan's military and political establishment, which "
        "wants a “normal relationship” or even strategic cooperation with Russia, may also push "
        "Japan toward concessions.",
        "Potential Japanese concessions might also be fueled by growing anti-China sentiment "
        "among the Japanese military and political establishment",
    ),
    statement(
        "strategists_program",
        "Japan should immediately accept Putin's offer of an unconditional peace treaty, form a "
        "military partnership with Russia against China, persuade the United States not to "
        "station troops on Hokkaido, and build close economic ties with Moscow.",
        "Japan should immediately agree to Putin’s offer of an unconditional peace treaty, form a "
        "military partnership with Russia against China",
        by="Japanese strategists",
    ),
    # Paragraph 4: the China context.
    statement(
        "not_anti_china",
        "A Russo-Japanese peace treaty should not be seen as directed against China.",
        "It is misleading, however, to regard potential Russo-Japanese peace treaty arrangements "
        "as targeted against China.",
    ),
    statement(
        "beijing_benefits",
        "China would gain from the reduction of U.S. troops in Japan that a Moscow-Tokyo deal "
        "could bring.",
        "Beijing would benefit from the reduction of U.S. troops stationed in Japan as a result "
        "of a potential Moscow-Tokyo deal",
    ),
    statement(
        "xi_present",
        "Putin made his offer of an unconditional peace treaty to Abe in the presence of Chinese "
        "President Xi Jinping, a fact analysts tend to overlook.",
        "the Russian president made his unconditional peace treaty proposal to Prime Minister Abe "
        "in the presence of Chinese president Xi Jinping",
    ),
    statement(
        "xi_initiatives",
        "At the Vladivostok forum Xi promoted mini-lateral and subregional initiatives meant to "
        "benefit the six large Northeast Asian economies and integrate China, Japan and Korea.",
        "the Chinese leader voiced his regional mini-lateral and subregional initiatives, which "
        "would benefit the six large economies of the Northeast Asian region and foster regional "
        "integration in the China-Japan-Korea format",
    ),
    statement(
        "bri_context",
        "Russia's effort to improve ties with Japan should be understood as part of China's Belt "
        "and Road project for Eurasian connectivity.",
        "Russia’s plans to improve ties with Japan should be examined in the context of "
        "Beijing’s mega-project to enhance transregional connectivity in Eurasia",
    ),
    statement(
        "bri_instrumental",
        "Close collaboration with China in the Belt and Road Initiative is instrumental for "
        "Russia's strategic weight in both Europe and the Indo-Pacific.",
        "Close collaboration with China within the Belt and Road Initiative is instrumental for "
        "Russia to increase its strategic significance in both Europe and the Indo-Pacific",
    ),
    statement(
        "moscow_concessions",
        "In coordination with Beijing, Moscow may make concessions to Tokyo so as to engage "
        "Japan and reshape the region's great-power geometry around economic integration.",
        "in coordination with Beijing, Moscow may consider making concessions to Tokyo",
    ),
    statement(
        "washington_drawn_in",
        "New economic centres of gravity in East Asia may make Washington want to join the "
        "regional integration process.",
        "New gravitational forces in East Asia may instigate Washington’s desire to partake in "
        "the regional integration process",
    ),
    statement(
        "us_must_adapt",
        "Joining East Asia's regional integration would require the United States to take part in "
        "China-led production networks and to revise its regional security arrangements in favour "
        "of soft power rather than military balancing.",
        "This requires U.S. involvement in the new China-led production capacity networks in the "
        "Indo-Pacific and Eurasia, followed by the revision of U.S. regional security "
        "arrangements",
    ),
    # Paragraph 5: the shape of a deal and the recommendation.
    statement(
        "win_win_sovereignty",
        "To defuse nationalist backlash at home, Japan and Russia need a win-win settlement of "
        "shared or “deferred” sovereignty.",
        "both Japan and Russia need a win-win solution in the form of either shared or "
        "“deferred” sovereignty",
    ),
    statement(
        "japan_bill",
        "Japan might pass a law barring the United States from building military facilities on "
        "Kunashir and Iturup.",
        "Japan might pass a bill prohibiting the United States from building military facilities "
        "on the Kunashir and Iturup islands",
    ),
    statement(
        "abe_should_reconcile",
        "Abe should use his “art of the possible” to reconcile the interests of Japan, the "
        "United States, China and Russia in building a new Indo-Pacific regional order.",
        "Prime Minister Abe should apply his art of the possible to reconcile the interests of "
        "Japan, the United States, China, and Russia",
    ),
    statement(
        "us_wins_russia",
        "If Abe reconciles the four powers' interests, the United States might win the support "
        "of Russia, China's current friend, for its future regional initiatives.",
        "America might win support for its future regional initiatives from China’s current "
        "friend Russia",
    ),
    statement(
        "russia_prefers_diplomacy",
        "Russia would rather adapt to Asia's new balance of power by diplomatic and economic "
        "than by military means.",
        "would prefer to accommodate itself to Asia’s new balance of power by diplomatic and "
        "economic rather than military means",
    ),
]

# ---------------------------------------------------------------------------------------------
# Links. Several premises in one link are co-premises (they only work together); independent
# reasons are separate links. ``against`` makes an undercutter: it attacks the inference of
# another link, not its conclusion.
# ---------------------------------------------------------------------------------------------
LINKS = [
    # Paragraph 1.
    link(
        "offer_and_summits_show_resolve",
        "support",
        ["putin_offer", "summits"],
        to="resolve",
        scheme="argument from sign",
        note=(
            "The offer alone shows Putin's interest; only with the quick series of summits that "
            "followed does it show a commitment on both sides."
        ),
    ),
    link(
        "abe_pledge_shows_resolve",
        "support",
        ["abe_next_generation"],
        to="resolve",
        scheme="argument from commitment",
        note="Abe has publicly bound himself to settling the issue on his watch.",
    ),
    link(
        "resolve_makes_breakthrough_possible",
        "support",
        ["resolve"],
        to="breakthrough",
        scheme="causal argument",
        note="Two leaders set on an agreement make a breakthrough at their next meeting possible.",
    ),
    link(
        "observers_expect_breakthrough",
        "support",
        ["observers_expect"],
        to="breakthrough",
        scheme="argument from expert opinion",
    ),
    link(
        "militarization_undercuts_resolve",
        "oppose",
        ["militarization"],
        against="offer_and_summits_show_resolve",
        scheme="argument from inconsistent commitment",
        note=(
            "“Despite the cooperative spirit and official statements”: reinforcing the islands "
            "while talking peace suggests the summitry need not reflect a real readiness to "
            "settle."
        ),
    ),
    # Paragraph 2: the pessimistic case, stated in the author's own voice before he answers it.
    link(
        "secrecy_shows_concern",
        "support",
        ["kono_secrecy"],
        to="rumors",
        scheme="argument from sign",
        note="“So much so that”: the concern is serious enough to make Tokyo impose secrecy.",
    ),
    link(
        "rumors_against_settlement",
        "support",
        ["rumors"],
        to="unrealistic",
        scheme="causal argument",
        note="Suspicion at home in both countries narrows what either leader can concede.",
    ),
    link(
        "public_against_settlement",
        "support",
        ["public_disapproves"],
        to="unrealistic",
        scheme="causal argument",
        note="A Japanese government can hardly sign a deal most of its voters reject.",
    ),
    link(
        "win_win_answers_public",
        "oppose",
        ["win_win_sovereignty"],
        against="public_against_settlement",
        note=(
            "Public disapproval need not block a deal if it takes a shared or deferred "
            "sovereignty form that lets each government present it at home as a win."
        ),
    ),
    link(
        "sovereignty_demand_against_settlement",
        "support",
        ["req_sovereignty"],
        to="unrealistic",
        note=(
            "Unstated premise: Tokyo, which claims the islands, cannot recognize Russia's "
            "sovereignty over them."
        ),
    ),
    link(
        "exemption_demand_against_settlement",
        "support",
        ["req_security_exemption", "security_treaty"],
        to="unrealistic",
        note=(
            "The exemption is a big ask only because the Security Treaty lets U.S. forces use "
            "facilities anywhere in Japan; it would also need Washington's consent, not just "
            "Tokyo's."
        ),
    ),
    link(
        "japan_may_meet_sovereignty_demand",
        "oppose",
        ["japan_recognition"],
        against="sovereignty_demand_against_settlement",
        note=(
            "The demand blocks a settlement only if Japan cannot meet it; a “just-in-time” "
            "recognition of the current status is a way to meet it."
        ),
    ),
    link(
        "japan_bill_meets_exemption_demand",
        "oppose",
        ["japan_bill"],
        against="exemption_demand_against_settlement",
        note="A Japanese law barring U.S. bases on the islands gives Moscow what it asks for.",
    ),
    link(
        "us_adaptation_meets_exemption_demand",
        "oppose",
        ["washington_drawn_in", "us_must_adapt"],
        against="exemption_demand_against_settlement",
        note=(
            "If Washington wants in on regional integration and that means revising its "
            "security arrangements, the U.S. guarantee Moscow asks for is no longer out of "
            "reach. Neither premise does this alone."
        ),
    ),
    # Paragraph 3.
    link(
        "media_reports_against_settlement",
        "support",
        ["media_pessimism"],
        to="unrealistic",
        scheme="argument from testimony",
        note="The author dismisses these reports as “bad press”.",
    ),
    link(
        "unrealistic_against_consensus",
        "oppose",
        ["unrealistic"],
        to="consensus_possible",
        note="“Yet despite such bad press”: the pessimistic case the author sets out to answer.",
    ),
    link(
        "first_consideration",
        "support",
        ["bastion_revision"],
        to="consensus_possible",
        note="“First”: Russia could trade absolute control of the islands for security gains.",
    ),
    link(
        "second_consideration",
        "support",
        ["japan_recognition"],
        to="consensus_possible",
        note="“Second”: Japan could meet Russia's main condition.",
    ),
    link(
        "recognition_serves_both",
        "support",
        ["moscow_gain", "tokyo_keeps_claim"],
        to="japan_recognition",
        scheme="argument from consequences",
        note=(
            "A trade both can accept: Moscow locks in the postwar settlement, Tokyo keeps its "
            "claim alive. Either gain alone would not make the move acceptable to both sides."
        ),
    ),
    link(
        "open_sovereignty_keeps_claim",
        "support",
        ["sovereignty_open"],
        to="tokyo_keeps_claim",
        note=(
            "Since sovereignty is still open to negotiation, recognizing the current status now "
            "need not give up Japan's claim for good."
        ),
    ),
    link(
        "putin_admits_sovereignty_open",
        "support",
        ["putin_1956"],
        to="sovereignty_open",
        scheme="argument from commitment",
        note="Putin's own admission, so Moscow can hardly deny that the question is open.",
    ),
    link(
        "anti_china_motive",
        "support",
        ["anti_china_sentiment"],
        to="japan_recognition",
        scheme="causal argument",
        note="“Also”: a further motive for Japanese concessions.",
    ),
    link(
        "strategists_show_sentiment",
        "support",
        ["strategists_program"],
        to="anti_china_sentiment",
        scheme="argument from example",
    ),
    # Paragraph 4.
    link(
        "strategists_frame_deal_against_china",
        "oppose",
        ["strategists_program"],
        to="not_anti_china",
        note=(
            "The strategists make the treaty part of an anti-China alignment: the reading the "
            "author calls misleading (“however”)."
        ),
    ),
    link(
        "beijing_gains_from_deal",
        "support",
        ["beijing_benefits"],
        to="not_anti_china",
        scheme="argument from consequences",
    ),
    link(
        "offer_made_before_xi",
        "support",
        ["xi_present", "xi_initiatives"],
        to="not_anti_china",
        scheme="argument from sign",
        note=(
            "Made in front of Xi, at a forum where Xi pushed an integration that includes Japan, "
            "the offer looks coordinated with China rather than aimed at it; neither fact alone "
            "shows that."
        ),
    ),
    link(
        "bri_makes_china_the_context",
        "support",
        ["bri_instrumental"],
        to="bri_context",
        scheme="practical reasoning",
        note="Russia's aims depend on China, so its Japan policy must be read in that frame.",
    ),
    link(
        "coordinated_concessions",
        "support",
        ["bri_context", "not_anti_china"],
        to="moscow_concessions",
        note=(
            "Russia's Japan policy is embedded in its partnership with China, and a deal would "
            "not cut against China: together these make concessions agreed with Beijing "
            "plausible."
        ),
    ),
    link(
        "russian_concessions_enable_breakthrough",
        "support",
        ["moscow_concessions"],
        to="breakthrough",
        scheme="causal argument",
    ),
    link(
        "consensus_enables_breakthrough",
        "support",
        ["consensus_possible"],
        to="breakthrough",
        note="“For all of these reasons”.",
    ),
    # Paragraph 5.
    link(
        "us_gain_favours_reconciling",
        "support",
        ["us_wins_russia"],
        to="abe_should_reconcile",
        scheme="argument from consequences",
    ),
    link(
        "russian_preference_explains_support",
        "support",
        ["russia_prefers_diplomacy"],
        to="us_wins_russia",
        note="A Russia that prefers non-military accommodation is open to backing U.S. plans.",
    ),
    link(
        "reconciling_rivals_anti_china_alliance",
        "oppose",
        ["abe_should_reconcile"],
        to="strategists_program",
        scheme="practical reasoning",
        note=(
            "The author's recommendation, reconciling the interests of all four powers (China's "
            "included), is the alternative to the strategists' alliance against China."
        ),
    ),
]


# ---------------------------------------------------------------------------------------------
# Building and checking.
# ---------------------------------------------------------------------------------------------
def locate(source: str, quote: str, occurrence: int | None) -> int:
    if not quote.strip():
        raise ValueError("empty quote")
    if LOST_TEXT_MARKER in quote:
        raise ValueError(f"quote spans the lost-text marker: {quote!r}")
    starts = []
    start = source.find(quote)
    while start != -1:
        starts.append(start)
        start = source.find(quote, start + 1)
    if not starts:
        raise ValueError(f"quote not in the source: {quote!r}")
    if occurrence is None:
        if len(starts) != 1:
            raise ValueError(f"quote occurs {len(starts)} times, give an occurrence: {quote!r}")
        return source.index(quote)
    return starts[occurrence]


def validate(statements: list[dict], links: list[dict]) -> None:
    skeys = [s["key"] for s in statements]
    lkeys = [lk["key"] for lk in links]
    if len(set(skeys)) != len(skeys) or len(set(lkeys)) != len(lkeys):
        raise ValueError("duplicate keys")
    links_by_key = {lk["key"]: lk for lk in links}
    used: set[str] = set()
    for lk in links:
        if lk["kind"] not in ("support", "oppose"):
            raise ValueError(f"{lk['key']}: bad kind")
        if (lk["to"] is None) == (lk["against"] is None):
            raise ValueError(f"{lk['key']}: needs exactly one of a conclusion or a target link")
        if not lk["premises"] or len(set(lk["premises"])) != len(lk["premises"]):
            raise ValueError(f"{lk['key']}: no premises or a duplicate premise")
        unknown = set(lk["premises"]) - set(skeys)
        if unknown:
            raise ValueError(f"{lk['key']}: unknown premises {unknown}")
        if lk["to"] is not None:
            if lk["to"] not in skeys:
                raise ValueError(f"{lk['key']}: unknown conclusion")
            if lk["to"] in lk["premises"]:
                raise ValueError(f"{lk['key']}: a premise is its own conclusion")
            used.add(lk["to"])
        else:
            target = links_by_key.get(lk["against"])
            if target is None or target is lk:
                raise ValueError(f"{lk['key']}: bad target link")
            overlap = set(lk["premises"]) & (set(target["premises"]) | {target["to"]})
            if overlap:
                raise ValueError(f"{lk['key']}: undercuts a link it takes part in: {overlap}")
        used.update(lk["premises"])
    unlinked = set(skeys) - used
    if unlinked:
        raise ValueError(f"statements in no link: {sorted(unlinked)}")
    premises = {p for lk in links for p in lk["premises"]}
    mains = {lk["to"] for lk in links if lk["to"] is not None} - premises
    if len(mains) != 1:
        raise ValueError(f"expected one main conclusion, got {sorted(mains)}")

    # No cycles: premise -> link -> conclusion (or -> target link).
    edges: dict[str, list[str]] = {f"s:{k}": [] for k in skeys}
    edges.update({f"l:{k}": [] for k in lkeys})
    for lk in links:
        for p in lk["premises"]:
            edges[f"s:{p}"].append(f"l:{lk['key']}")
        head = f"s:{lk['to']}" if lk["to"] is not None else f"l:{lk['against']}"
        edges[f"l:{lk['key']}"].append(head)
    state: dict[str, int] = {}

    def visit(node: str) -> None:
        state[node] = 1
        for nxt in edges[node]:
            if state.get(nxt) == 1:
                raise ValueError(f"cycle through {nxt}")
            if nxt not in state:
                visit(nxt)
        state[node] = 2

    for node in edges:
        if node not in state:
            visit(node)


def build(source: str) -> list[dict]:
    validate(STATEMENTS, LINKS)
    statement_pk = {s["key"]: pk for pk, s in enumerate(STATEMENTS, start=1)}
    link_pk = {lk["key"]: pk for pk, lk in enumerate(LINKS, start=1)}

    rows: list[dict] = [
        {"model": "api.argumentmap", "pk": MAP_PK, "fields": {**MAP, "source_text": source}}
    ]
    for s in STATEMENTS:
        start = locate(source, s["quote"], s["occurrence"])
        rows.append(
            {
                "model": "api.statement",
                "pk": statement_pk[s["key"]],
                "fields": {
                    "map": MAP_PK,
                    "text": s["text"],
                    "quote": s["quote"],
                    "quote_start": start,
                    "quote_end": start + len(s["quote"]),
                    "attributed_to": s["by"],
                    "base_score": 0.5,
                },
            }
        )
    for lk in LINKS:
        rows.append(
            {
                "model": "api.link",
                "pk": link_pk[lk["key"]],
                "fields": {
                    "map": MAP_PK,
                    "kind": lk["kind"],
                    "conclusion": statement_pk[lk["to"]] if lk["to"] is not None else None,
                    "target_link": link_pk[lk["against"]] if lk["against"] is not None else None,
                    "scheme": lk["scheme"],
                    "note": lk["note"],
                },
            }
        )
    premise_pk = 0
    for lk in LINKS:
        for position, key in enumerate(lk["premises"]):
            premise_pk += 1
            rows.append(
                {
                    "model": "api.linkpremise",
                    "pk": premise_pk,
                    "fields": {
                        "link": link_pk[lk["key"]],
                        "statement": statement_pk[key],
                        "position": position,
                    },
                }
            )
    return rows


def render(source: str) -> str:
    return json.dumps(build(source), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the fixture on disk is out of date"
    )
    args = parser.parse_args(argv)
    expected = render(SOURCE.read_text(encoding="utf-8"))
    if args.check:
        actual = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else None
        if actual != expected:
            print(
                f"{OUTPUT.relative_to(ROOT)} is out of date: run "
                "python scripts/build_essay_fixture.py",
                file=sys.stderr,
            )
            return 1
        print(f"{OUTPUT.relative_to(ROOT)} is up to date.")
        return 0
    OUTPUT.write_text(expected, encoding="utf-8")
    print(f"Wrote {OUTPUT.relative_to(ROOT)}: {len(STATEMENTS)} statements, {len(LINKS)} links.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

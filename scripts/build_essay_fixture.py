"""Build fixtures/essay.json: the argument map of Kozyrev's 2019 essay on the peace treaty talks.

The analysis lives here as plain Python data. The quotes' offsets are computed from the cleaned
source text (fixtures/kozyrev-2019-source.txt), so the map can never drift from it. The output
is argmap's whole-map JSON (the shape ``GET /api/maps/{slug}/graph/`` returns), which
``manage.py load_essay`` imports through the services like any other map file.

    python scripts/build_essay_fixture.py          # (re)write fixtures/essay.json
    python scripts/build_essay_fixture.py --check  # exit 1 if fixtures/essay.json is stale

The map is checked with the project's own graph rules (``api.graph.validate.check_graph``) and
its own role derivation; ``api.graph`` is plain Python, so no Django is needed.

How the essay is read (for coaches; docs/evaluation.md has the evaluation):

- The author's claims carry no attribution; what he reports others saying is attributed to
  them (Abe, Kono, Putin, observers, the Russian media, Japanese strategists). Where the
  author reports a view as evidence (that some strategists hold a programme), the report is
  his own statement and the view reported is another.
- A statement claims no more than its quote: hedges stay ("might consider", "does not seem
  to be", "one should not rule out"). The sentence cut short by the PDF extraction is marked
  as cut short, never completed.
- Paragraph two lists the obstacles in the author's own voice; paragraphs three and five
  answer them. Each answer is an undercutter of the objection it meets, so an answered
  objection still stands as a claim but no longer defeats its target. An objection the
  essay leaves unanswered is left standing.
- Several premises in one link are co-premises (they only work together); independent
  reasons are separate links. The two considerations of paragraph three ("First", "Second")
  are independent reasons wherever they appear.
- A link exists only where the essay makes the connection, in its direction. The closing
  recommendation ("Abe should apply his art of the possible ...") is drawn from the thesis
  ("For all of these reasons, there might just be some breakthroughs"), with a reason of its
  own ("As a result"); it is not a reason for the thesis. One claim the essay
  implies without stating it (Washington may revise its security arrangements) is marked as
  implied in its note.
- Notes on statements point out what a coach can teach: a gloss that is the author's, not
  the person he quotes; a tension between two of the author's claims.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make the project's packages importable
    sys.path.insert(0, str(ROOT))

from api.graph.graphjson import to_dict  # noqa: E402
from api.graph.model import (  # noqa: E402
    ArgumentGraph,
    Kind,
    Link,
    MapInfo,
    Role,
    Statement,
    compute_roles,
)
from api.graph.validate import check_graph  # noqa: E402

SOURCE = ROOT / "fixtures" / "kozyrev-2019-source.txt"
OUTPUT = ROOT / "fixtures" / "essay.json"

LOST_TEXT_MARKER = "[…text lost in the PDF extraction…]"

# Where the argument ends, in statement order: the strategists' plank (#24), which the
# author rejects and which is a reason for nothing he says; and the recommendation (#36),
# which the essay draws from its case: "For all of these reasons, there might just be some
# breakthroughs in Osaka this June" (the thesis, #1), so Abe should apply his art of the
# possible. A role is derived from the links (a conclusion of some link and a premise of
# none), so the thesis, a premise of the recommendation, is an intermediate conclusion.
MAIN_CONCLUSIONS = ("strategists_anti_china", "abe_should_reconcile")

MAP: dict[str, Any] = {
    "slug": "kozyrev-2019-russo-japanese-peace-treaty",
    "title": "Kozyrev (2019): a Russo-Japanese peace treaty breakthrough at Osaka?",
    "summary": (
        "Kozyrev argues that there might just be some breakthroughs in the Russo-Japanese peace "
        "treaty talks at the G20 summit in Osaka in June 2019. He sets out the obstacles "
        "himself: Moscow's two requirements (recognition of its de-jure sovereignty over the "
        "South Kurils; the returned islands exempt from the 1960 U.S.-Japan Security Treaty), "
        "the reinforcement of the islands, Japanese public disapproval and gloomy Russian "
        "press. Then he answers most of them: the Kremlin might revise its Soviet-era “bastion "
        "strategy”, and Japan might give a “just-in-time” recognition of Russia's current "
        "sovereignty that reserves its right to negotiate later, a “deferred” sovereignty that "
        "both sides need. The reinforcement of the islands and the report that the Kremlin is "
        "deceiving Tokyo he leaves unanswered. A deal would not be aimed at China; it fits "
        "Beijing's regional integration, which may also draw Washington in and lead it to "
        "revise its security arrangements. He ends by recommending that Abe reconcile the "
        "interests of Japan, the United States, China and Russia. The essay was written in "
        "spring 2019: it speaks of March 18 as past and of the June 2019 Osaka summit as "
        "upcoming. The day it was published is not known, so the map gives no source date."
    ),
    "source_title": (
        "Demystifying Russo-Japanese Peace Treaty Talks Before the June 2019 G20 Osaka Summit"
    ),
    "source_author": "Vitaly Kozyrev",
    # Unknown: the essay names March 18 as past and the June 2019 summit as upcoming.
    "source_date": None,
    "source_url": "",
}


def statement(key, text, quote, by="", occurrence=None, note=""):
    """One claim: ``text`` in the analyst's words, ``quote`` verbatim from the source.

    ``by`` names whose claim it is when it is not the author's. ``occurrence`` (0-based) picks
    one of several occurrences of the quote; without it the quote must occur exactly once.
    ``note`` is the analyst's remark for coaches (a tension, an implied claim).
    """
    return {
        "key": key,
        "text": text,
        "quote": quote,
        "by": by,
        "occurrence": occurrence,
        "note": note,
    }


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
# Statements, the main conclusion first, then in the order of the essay. Their position is their
# number on a fresh database (#1 ...): the docs and tests speak of some by number, so new
# statements go at the end.
# ---------------------------------------------------------------------------------------------
STATEMENTS = [
    # 1. The thesis ("For all of these reasons, ...").
    statement(
        "breakthrough",
        "There might just be some breakthroughs in the Russo-Japanese peace treaty talks at the "
        "G20 summit in Osaka in June 2019.",
        "there might just be some breakthroughs in Osaka this June",
    ),
    # Paragraph 1: the leaders' resolve.
    statement(
        "putin_offer",
        "At the September 2018 Eastern Economic Forum in Vladivostok, Putin made Abe a sudden "
        "proposal to sign an unconditional peace treaty.",
        "Putin’s sudden proposal to Japanese Prime Minister Shinzo Abe at the September 2018 "
        "Eastern Economic Forum (EEF) in Vladivostok to sign an unconditional peace treaty",
    ),
    statement(
        "summits",
        "Putin's proposal was followed by summits in Singapore, Buenos Aires and Moscow.",
        "followed by subsequent summits in Singapore, Buenos Aires, and Moscow",
    ),
    statement(
        "resolve",
        "Putin and Abe are resolved to move closer than ever to a final agreement.",
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
        "A breakthrough deal might be inked during Putin's upcoming trip to the G20 summit in "
        "Osaka in June 2019.",
        "a breakthrough deal might be inked during Putin’s upcoming trip to the G20 summit in "
        "Osaka in June 2019",
        by="observers",
    ),
    # Paragraph 2: the obstacles, in the author's own voice.
    statement(
        "rumors",
        "As the Putin-Abe dialogue has intensified, rumors and concerns about the real content "
        "and subject of the negotiations have arisen in both countries.",
        "As this Putin-Abe political dialogue has intensified over recent months, rumors and "
        "concerns in both countries about the real content and subject of negotiations have "
        "arisen",
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
        "The majority of the Japanese public disapproves of any deal … (the sentence is cut "
        "short: the rest of it was lost in the PDF extraction).",
        "The majority of the Japanese public disapproves of any deal",
    ),
    statement(
        "militarization",
        "Despite the cooperative spirit and official statements of the Putin-Abe negotiations, "
        "the Kremlin has sent top officials to visit the Kurils and has continued to reinforce "
        "Russia's defense installations on the disputed islands.",
        "Despite the cooperative spirit and official statements of the Putin-Abe negotiations, "
        "the Kremlin has dispatched top officials to visit the Kurils and has continued to "
        "reinforce Russia’s defense installations on the disputed islands",
    ),
    statement(
        "unrealistic",
        "Moscow has recently set two major requirements for any peace treaty, both of which "
        "make resolution between Russia and Japan unrealistic.",
        "Moscow has recently set two major requirements for any peace treaty, both of which make "
        "resolution between Russia and Japan unrealistic",
    ),
    statement(
        "req_sovereignty",
        "One of Moscow's requirements includes Tokyo's recognition of Russia's de jure "
        "sovereignty over the four South Kuril Islands, which Russia has controlled since WWII.",
        "One includes Tokyo’s recognition of Russia’s de-jure sovereignty over the four South "
        "Kuril Islands, which Russia has controlled since WWII",
    ),
    statement(
        "req_security_exemption",
        "Moscow's other requirement seeks guarantees by both Tokyo and Washington that the "
        "returned islands would be exempt from the 1960 U.S.-Japan Security Treaty.",
        "The other condition seeks to secure guarantees by both Tokyo and Washington that the "
        "returned islands would be exempt from the 1960 U.S.-Japan Security Treaty",
    ),
    statement(
        "security_treaty",
        "The 1960 U.S.-Japan Security Treaty grants the United States the right to use some "
        "facilities and areas in Japan to deploy its armed forces on a permanent basis.",
        "which grants the United States the right to use some facilities and areas in Japan to "
        "deploy its armed forces on a permanent basis",
    ),
    # Paragraph 3: the bad press, and the answer to the obstacles.
    # The first of the two reports; the second (#40) is answered nowhere in the essay.
    statement(
        "media_stalled",
        "The Russo-Japanese peace treaty negotiations have stalled.",
        "the negotiations have stalled",
        by="Russian media",
    ),
    statement(
        "consensus_possible",
        "A Russo-Japanese consensus on the status of the islands does not seem to be out of the "
        "question.",
        "a Russo-Japanese consensus on the status of the islands does not seem to be out of the "
        "question",
    ),
    statement(
        "bastion_revision",
        "The Kremlin might consider revising its Soviet-era “bastion strategy”, which required "
        "Russia's absolute control over the Kuril Islands, in exchange for any prospective U.S. "
        "troop withdrawal from Japan and a multilateral arrangement with all the regional "
        "powers (the United States included) on international access to the Sea of Okhotsk, "
        "along with Russia's unfettered access to the Pacific Ocean.",
        "the Kremlin might consider a potential revision of its Soviet-era “bastion strategy” "
        "which required Russia’s absolute control over the Kuril Islands, in exchange for any "
        "prospective U.S. troops withdrawal from Japan and a multilateral arrangement with all "
        "the regional powers (United States included) on international access to the Sea of "
        "Okhotsk along with Russia’s unfettered access to the Pacific Ocean",
    ),
    statement(
        "japan_recognition",
        "The Japanese leadership might consider satisfying Russia's requests for a "
        "“just-in-time” recognition of Russia's “current sovereignty status” over the islands "
        "as a result of WWII.",
        "the Japanese leadership might consider satisfying Russia’s requests to recognize "
        "“justin-time” recognition of the “current sovereignty status” of Russia over the "
        "islands as a result of WWII",
    ),
    statement(
        "moscow_gain",
        "Such a recognition would help Moscow prevent any other attempts to revise the major "
        "international and legal agreements signed in the aftermath of WWII.",
        "Such a move would help Moscow prevent any other attempts to revise the major "
        "international and legal agreements signed in the aftermath of that war",
    ),
    statement(
        "tokyo_keeps_claim",
        "Such a recognition would reserve Tokyo's right to put the sovereignty issue under "
        "negotiation in the future.",
        "while reserving Tokyo’s right to put the sovereignty issue under negotiations in the "
        "future",
    ),
    statement(
        "putin_1956",
        "The 1956 joint declaration neither mentions a basis for returning Habomai and Shikotan "
        "nor clarifies which country has sovereignty over the islands.",
        "“neither mentions a basis for returning Habomai and Shikotan nor clarifies which country "
        "has sovereignty over the islands,”",
        by="Putin",
    ),
    statement(
        "sovereignty_open",
        "The sovereignty of the islands is a subject of further negotiations.",
        "thus making the issue a subject of further negotiations",
        note=(
            "The author's gloss on what Putin acknowledged: Putin's quoted words close before "
            "“thus”."
        ),
    ),
    statement(
        "anti_china_sentiment",
        "Potential Japanese concessions might also be fueled by growing anti-China sentiment "
        "among the Japanese military and political establishment, which is seeking a “normal "
        "relationship” or even strategic cooperation with Russia.",
        "Potential Japanese concessions might also be fueled by growing anti-China sentiment "
        "among the Japanese military and political establishment, which is seeking to establish "
        "a “normal relationship” or even develop strategic cooperation with Russia",
        note=(
            "A tension to teach: the author gives anti-China sentiment as a motive for "
            "Japanese concessions, then (paragraph four) calls it misleading to regard the "
            "treaty arrangements as targeted against China."
        ),
    ),
    # 24: the view the strategists hold (their report by the author is #39).
    statement(
        "strategists_anti_china",
        "Japan should form a military partnership with Russia against China.",
        "form a military partnership with Russia against China",
        by="some Japanese strategists",
    ),
    # Paragraph 4: the China context.
    statement(
        "not_anti_china",
        "It is misleading to regard potential Russo-Japanese peace treaty arrangements as "
        "targeted against China.",
        "It is misleading, however, to regard potential Russo-Japanese peace treaty arrangements "
        "as targeted against China.",
        note=(
            "A tension to teach: paragraph three gave growing anti-China sentiment among the "
            "Japanese establishment as a motive for Japan's concessions. The author separates "
            "the motives some in Japan have from what the arrangements are aimed at."
        ),
    ),
    statement(
        "beijing_benefits",
        "Beijing would benefit from the reduction of U.S. troops stationed in Japan as a result "
        "of a potential Moscow-Tokyo deal.",
        "Beijing would benefit from the reduction of U.S. troops stationed in Japan as a result "
        "of a potential Moscow-Tokyo deal",
    ),
    statement(
        "xi_present",
        "Putin made his unconditional peace treaty proposal to Abe at the forum in the presence "
        "of Chinese President Xi Jinping, a fact analysts tend to ignore.",
        "Analysts tend to ignore the fact that the Russian president made his unconditional peace "
        "treaty proposal to Prime Minister Abe in the presence of Chinese president Xi Jinping "
        "at the forum",
    ),
    statement(
        "xi_initiatives",
        "In his speech in Vladivostok, Xi voiced regional mini-lateral and subregional "
        "initiatives that would benefit the six large economies of Northeast Asia and foster "
        "regional integration in the China-Japan-Korea format.",
        "In his speech in Vladivostok, the Chinese leader voiced his regional mini-lateral and "
        "subregional initiatives, which would benefit the six large economies of the Northeast "
        "Asian region and foster regional integration in the China-Japan-Korea format",
    ),
    statement(
        "bri_context",
        "Paradoxical as it may seem, Russia's plans to improve ties with Japan should be "
        "examined in the context of Beijing's mega-project to enhance transregional "
        "connectivity in Eurasia.",
        "It might seem paradoxical, but Russia’s plans to improve ties with Japan should be "
        "examined in the context of Beijing’s mega-project to enhance transregional "
        "connectivity in Eurasia",
    ),
    statement(
        "bri_instrumental",
        "Close collaboration with China within the Belt and Road Initiative is instrumental for "
        "Russia to increase its strategic significance in both Europe and the Indo-Pacific.",
        "Close collaboration with China within the Belt and Road Initiative is instrumental for "
        "Russia to increase its strategic significance in both Europe and the Indo-Pacific",
    ),
    statement(
        "moscow_concessions",
        "One should not rule out the possibility that, in coordination with Beijing, Moscow may "
        "consider making concessions to Tokyo in order to engage Japan and to change the great "
        "power geometry in the region based on economic integration.",
        "One should not rule out the possibility that, in coordination with Beijing, Moscow may "
        "consider making concessions to Tokyo in order to engage Japan and to change the great "
        "power geometry in the region based on economic integration",
    ),
    statement(
        "washington_drawn_in",
        "New gravitational forces in East Asia may instigate Washington's desire to partake in "
        "the regional integration process.",
        "New gravitational forces in East Asia may instigate Washington’s desire to partake in "
        "the regional integration process",
    ),
    statement(
        "us_must_adapt",
        "Partaking in the regional integration requires U.S. involvement in the new China-led "
        "production capacity networks in the Indo-Pacific and Eurasia, followed by a revision "
        "of U.S. regional security arrangements and a strategic shift toward predominantly soft "
        "power means, rather than just military balancing, to secure America's long-term "
        "presence in the region.",
        "This requires U.S. involvement in the new China-led production capacity networks in the "
        "Indo-Pacific and Eurasia, followed by the revision of U.S. regional security "
        "arrangements and America’s strategic shift toward predominantly soft power means, "
        "rather than just military balancing, to secure its long-term presence in the region",
    ),
    # Paragraph 5: the shape of a deal and the recommendation.
    statement(
        "win_win_sovereignty",
        "To assuage potential nationalistic backlash at home, both Japan and Russia need a "
        "win-win solution in the form of either shared or “deferred” sovereignty.",
        "To assuage potential nationalistic backlash at home, both Japan and Russia need a "
        "win-win solution in the form of either shared or “deferred” sovereignty",
    ),
    statement(
        "japan_bill",
        "Japan might pass a bill prohibiting the United States from building military "
        "facilities on the Kunashir and Iturup islands.",
        "Japan might pass a bill prohibiting the United States from building military facilities "
        "on the Kunashir and Iturup islands",
    ),
    statement(
        "abe_should_reconcile",
        "Abe should apply his art of the possible to reconcile the interests of Japan, the "
        "United States, China and Russia on the way toward forming a new Indo-Pacific regional "
        "order.",
        "Prime Minister Abe should apply his art of the possible to reconcile the interests of "
        "Japan, the United States, China, and Russia on the way toward forming a new "
        "Indo-Pacific regional order",
    ),
    statement(
        "us_wins_russia",
        "As a result of Abe reconciling the four powers' interests, America might win support "
        "for its future regional initiatives from China's current friend Russia.",
        "As a result, America might win support for its future regional initiatives from China’s "
        "current friend Russia",
    ),
    statement(
        "russia_prefers_diplomacy",
        "Russia would prefer to accommodate itself to Asia's new balance of power by diplomatic "
        "and economic rather than military means.",
        "would prefer to accommodate itself to Asia’s new balance of power by diplomatic and "
        "economic rather than military means",
    ),
    # 39: the author's report that such views exist (the view itself is #24).
    statement(
        "strategists_report",
        "Some Japanese strategists insist that Japan should immediately agree to Putin's offer "
        "of an unconditional peace treaty, form a military partnership with Russia against "
        "China, convince the United States to refrain from stationing troops on Hokkaido, and "
        "establish close economic relations with Moscow.",
        "Some Japanese strategists insist that Japan should immediately agree to Putin’s offer "
        "of an unconditional peace treaty, form a military partnership with Russia against "
        "China, convince the United States to refrain from stationing troops on Hokkaido, and "
        "establish close economic relations with Moscow",
    ),
    # 40: the second report of the Russian media (the first is #15).
    statement(
        "media_wedge",
        "The Kremlin is deceiving Tokyo, using its talks with Japan to drive a wedge between "
        "Japan and the United States.",
        "the Kremlin is deceiving Tokyo, using its talks with Japan to drive a wedge between "
        "Japan and the United States",
        by="Russian media",
    ),
    # 41: what the two closing sentences of paragraph four imply, in their words.
    statement(
        "washington_revision",
        "Washington may revise its regional security arrangements.",
        "the revision of U.S. regional security arrangements",
        note=(
            "Implied, not stated: new gravitational forces “may instigate Washington’s desire "
            "to partake in the regional integration process”, and “this requires … the "
            "revision of U.S. regional security arrangements”."
        ),
    ),
]

# ---------------------------------------------------------------------------------------------
# Links. Several premises in one link are co-premises (they only work together); independent
# reasons are separate links. ``against`` makes an undercutter: it attacks the inference of
# another link, not its premises or its conclusion. Notes say only what the essay says.
# ---------------------------------------------------------------------------------------------
LINKS = [
    # Paragraph 1: the leaders' resolve.
    link(
        "offer_and_summits_show_resolve",
        "support",
        ["putin_offer", "summits"],
        to="resolve",
        scheme="argument from sign",
        note="The proposal “followed by subsequent summits … demonstrated” the resolve.",
    ),
    link(
        "abe_pledge_shows_resolve",
        "support",
        ["abe_next_generation"],
        to="resolve",
        scheme="argument from commitment",
    ),
    link(
        "resolve_makes_breakthrough_possible",
        "support",
        ["resolve"],
        to="breakthrough",
        note="“For all of these reasons”: the leaders' resolve, from paragraph one.",
    ),
    link(
        "observers_expect_breakthrough",
        "support",
        ["observers_expect"],
        to="breakthrough",
        scheme="argument from testimony",
    ),
    link(
        "militarization_undercuts_resolve",
        "oppose",
        ["militarization"],
        against="offer_and_summits_show_resolve",
        scheme="argument from inconsistent commitment",
        note=(
            "“Despite the cooperative spirit and official statements of the Putin-Abe "
            "negotiations”: what the Kremlin does on the islands does not match what the summits "
            "say."
        ),
    ),
    # Paragraph 2: the obstacles, stated in the author's own voice, then answered.
    link(
        "secrecy_shows_concern",
        "support",
        ["kono_secrecy"],
        to="rumors",
        scheme="argument from sign",
        note=(
            "“So much so that” the Foreign Minister announced, on March 18, that the details "
            "of the talks will be kept secret."
        ),
    ),
    link(
        "concerns_against_breakthrough",
        "oppose",
        ["rumors"],
        to="breakthrough",
        note="The first of the obstacles paragraph two lists (“Finally” closes the list).",
    ),
    link(
        "public_against_breakthrough",
        "oppose",
        ["public_disapproves"],
        to="breakthrough",
        note="Among the obstacles of paragraph two.",
    ),
    link(
        "win_win_on_offer_answers_concerns",
        "oppose",
        ["win_win_sovereignty", "japan_recognition"],
        against="concerns_against_breakthrough",
        note=(
            "“To assuage potential nationalistic backlash at home, both Japan and Russia need a "
            "win-win solution”, and a recognition that reserves Tokyo's right to negotiate "
            "later is such a solution on offer. Co-premises: the need alone answers nothing, "
            "and the essay does not say that the backlash is overcome."
        ),
    ),
    link(
        "win_win_on_offer_answers_public",
        "oppose",
        ["win_win_sovereignty", "japan_recognition"],
        against="public_against_breakthrough",
        note=(
            "The same answer to opinion in Japan: the need for a shared or “deferred” "
            "sovereignty together with the deferred recognition the Japanese leadership might "
            "consider."
        ),
    ),
    link(
        "sovereignty_requirement_against_consensus",
        "oppose",
        ["unrealistic", "req_sovereignty"],
        to="consensus_possible",
        note=(
            "“Both of which make resolution between Russia and Japan unrealistic”: the first "
            "requirement. Neither premise is an objection alone: the requirement says what "
            "Moscow asks, the other that it makes a resolution unrealistic."
        ),
    ),
    link(
        "exemption_requirement_against_consensus",
        "oppose",
        ["unrealistic", "req_security_exemption", "security_treaty"],
        to="consensus_possible",
        note=(
            "The second requirement, which needs Washington's guarantee as well as Tokyo's; the "
            "treaty's grant to U.S. forces is what the returned islands would be exempt from."
        ),
    ),
    link(
        "recognition_meets_sovereignty_requirement",
        "oppose",
        ["japan_recognition"],
        against="sovereignty_requirement_against_consensus",
        note=(
            "“Second, the Japanese leadership might consider satisfying Russia’s requests”: a "
            "recognition of Russia's current sovereignty that reserves Tokyo's right to "
            "negotiate later."
        ),
    ),
    link(
        "bastion_revision_meets_exemption_requirement",
        "oppose",
        ["bastion_revision"],
        against="exemption_requirement_against_consensus",
        note=(
            "“First”: the Kremlin might give up the absolute control of the islands its old "
            "strategy required, in exchange for a U.S. troop withdrawal from Japan and a "
            "multilateral arrangement with all the regional powers, the United States included."
        ),
    ),
    link(
        "bill_meets_exemption_requirement",
        "oppose",
        ["japan_bill"],
        against="exemption_requirement_against_consensus",
        note=(
            "Paragraph five: a Japanese law against U.S. military facilities on Kunashir and "
            "Iturup."
        ),
    ),
    # Paragraph 3.
    link(
        "stalled_against_consensus",
        "oppose",
        ["media_stalled"],
        to="consensus_possible",
        scheme="argument from testimony",
        note="“Many reports in the Russian media”, which the author calls “such bad press”.",
    ),
    link(
        "wedge_against_consensus",
        "oppose",
        ["media_wedge"],
        to="consensus_possible",
        scheme="argument from testimony",
        note=(
            "The second kind of report. The essay answers it nowhere: neither consideration "
            "says that the Kremlin is not deceiving Tokyo."
        ),
    ),
    link(
        "first_consideration_answers_stalled",
        "oppose",
        ["bastion_revision"],
        against="stalled_against_consensus",
        note=(
            "“Yet despite such bad press, two considerations suggest …”. “First”: a move the "
            "Kremlin might consider is movement, not a stall."
        ),
    ),
    link(
        "second_consideration_answers_stalled",
        "oppose",
        ["japan_recognition"],
        against="stalled_against_consensus",
        note="“Second”: a move the Japanese leadership might consider.",
    ),
    link(
        "first_consideration",
        "support",
        ["bastion_revision"],
        to="consensus_possible",
        note="“First”.",
    ),
    link(
        "second_consideration",
        "support",
        ["japan_recognition"],
        to="consensus_possible",
        note="“Second”.",
    ),
    link(
        "recognition_serves_both",
        "support",
        ["moscow_gain", "tokyo_keeps_claim"],
        to="japan_recognition",
        scheme="argument from consequences",
        note=(
            "“Such a move would help Moscow … while reserving Tokyo’s right …”: a gain for each "
            "side; neither alone makes the move one both can accept."
        ),
    ),
    link(
        "open_sovereignty_keeps_claim",
        "support",
        ["sovereignty_open"],
        to="tokyo_keeps_claim",
    ),
    link(
        "putin_admits_sovereignty_open",
        "support",
        ["putin_1956"],
        to="sovereignty_open",
        note=(
            "Putin's quoted words close before “thus”: that the issue is thereby “a subject of "
            "further negotiations” is the author's reading of what Putin acknowledged, not "
            "Putin's commitment."
        ),
    ),
    link(
        "anti_china_motive",
        "support",
        ["anti_china_sentiment"],
        to="japan_recognition",
        scheme="causal argument",
        note="“Potential Japanese concessions might also be fueled by …”.",
    ),
    link(
        "strategists_show_sentiment",
        "support",
        ["strategists_report"],
        to="anti_china_sentiment",
        scheme="argument from example",
    ),
    link(
        "consensus_enables_breakthrough",
        "support",
        ["consensus_possible"],
        to="breakthrough",
        note="“For all of these reasons”.",
    ),
    # Paragraph 4: the author's reading against the strategists' anti-China plank (they never
    # answer him, so no link runs back).
    link(
        "not_anti_china_rejects_strategists",
        "oppose",
        ["not_anti_china"],
        to="strategists_anti_china",
        note=(
            "“It is misleading, however, …”: the author rejects the anti-China part of the "
            "programme, not the report that some strategists hold it."
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
            "The proposal was made in Xi's presence, at the forum where Xi spoke for an "
            "integration that includes Japan: the two facts together."
        ),
    ),
    link(
        "bri_makes_china_the_context",
        "support",
        ["bri_instrumental"],
        to="bri_context",
        scheme="practical reasoning",
    ),
    link(
        "coordinated_concessions",
        "support",
        ["bri_context", "not_anti_china"],
        to="moscow_concessions",
        note=(
            "Concessions “in coordination with Beijing” need both: Russia's Japan policy read "
            "in the context of Beijing's project, and a deal not targeted against China."
        ),
    ),
    link(
        "russian_concessions_enable_breakthrough",
        "support",
        ["moscow_concessions"],
        to="breakthrough",
        note="“For all of these reasons”: Russian concessions, from paragraph four.",
    ),
    link(
        "integration_requires_revision",
        "support",
        ["washington_drawn_in", "us_must_adapt"],
        to="washington_revision",
        scheme="practical reasoning",
        note=(
            "The two closing sentences of paragraph four work together (“This requires”): if "
            "Washington comes to want a part in the region's integration, that part requires "
            "the revision of its security arrangements."
        ),
    ),
    link(
        "revision_eases_exemption_requirement",
        "oppose",
        ["washington_revision"],
        against="exemption_requirement_against_consensus",
        note=(
            "Implied: Moscow asks guarantees of Washington as well as of Tokyo; a Washington "
            "that revises its regional security arrangements eases the second requirement."
        ),
    ),
    # Paragraph 5.
    link(
        "deferred_sovereignty_is_the_recognition",
        "support",
        ["win_win_sovereignty"],
        to="japan_recognition",
        scheme="practical reasoning",
        note=(
            "“Deferred” sovereignty restates the second consideration: a recognition of the "
            "current sovereignty status that reserves the sovereignty issue for later "
            "negotiations."
        ),
    ),
    link(
        "breakthrough_calls_for_reconciling",
        "support",
        ["breakthrough"],
        to="abe_should_reconcile",
        scheme="practical reasoning",
        note=(
            "Paragraph five: “For all of these reasons, there might just be some breakthroughs "
            "in Osaka this June”; to reach one, Abe should apply his art of the possible. The "
            "recommendation is drawn from the case, not a reason for the thesis."
        ),
    ),
    link(
        "us_gain_favours_reconciling",
        "support",
        ["us_wins_russia"],
        to="abe_should_reconcile",
        scheme="argument from consequences",
        note="“As a result”.",
    ),
    link(
        "russian_preference_explains_support",
        "support",
        ["russia_prefers_diplomacy"],
        to="us_wins_russia",
    ),
]


# ---------------------------------------------------------------------------------------------
# Building and checking.
# ---------------------------------------------------------------------------------------------
def locate(source: str, quote: str, occurrence: int | None) -> int:
    """Return where ``quote`` starts in ``source``; raise ``ValueError`` if it is not there
    exactly once (or at the chosen ``occurrence``) or if it crosses the lost-text marker."""
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
        return starts[0]
    return starts[occurrence]


def build(source: str) -> ArgumentGraph:
    """The map as an ``ArgumentGraph``: statements numbered 1..n in list order, links too
    but with every attacked link before its undercutters.

    Raises ``ValueError`` for an unknown key or a misplaced quote, and the project's
    ``FormatError`` for any graph rule the map breaks (``check_graph``). Beyond those rules,
    an analysis of an essay has the main conclusions it names (``MAIN_CONCLUSIONS``) and no
    statement outside the argument.
    """
    statement_id = {s["key"]: i for i, s in enumerate(STATEMENTS, start=1)}
    by_key = {lk["key"]: lk for lk in LINKS}
    if len(statement_id) != len(STATEMENTS) or len(by_key) != len(LINKS):
        raise ValueError("duplicate keys")
    # Links to statements first, then undercutters, then undercutters of undercutters: the
    # order in which an import writes them, so the numbers are the database's on a fresh one.
    depth: dict[str, int] = {}
    for lk in LINKS:
        chain: list[dict[str, Any]] = []
        current = lk
        while current["against"] is not None and len(chain) <= len(LINKS):
            chain.append(current)
            current = by_key.get(current["against"]) or {"against": None}
        depth[lk["key"]] = len(chain)
    ordered = sorted(LINKS, key=lambda lk: depth[lk["key"]])
    link_id = {lk["key"]: i for i, lk in enumerate(ordered, start=1)}

    def ref(ids: dict[str, int], key: str, what: str) -> int:
        if key not in ids:
            raise ValueError(f"unknown {what} {key!r}")
        return ids[key]

    statements = []
    for s in STATEMENTS:
        start = locate(source, s["quote"], s["occurrence"])
        statements.append(
            Statement(
                id=statement_id[s["key"]],
                text=s["text"],
                quote=s["quote"],
                quote_start=start,
                quote_end=start + len(s["quote"]),
                attributed_to=s["by"],
                note=s["note"],
            )
        )
    links = [
        Link(
            id=link_id[lk["key"]],
            kind=Kind(lk["kind"]),
            premises=tuple(ref(statement_id, p, "statement") for p in lk["premises"]),
            conclusion=None if lk["to"] is None else ref(statement_id, lk["to"], "statement"),
            target_link=None if lk["against"] is None else ref(link_id, lk["against"], "link"),
            scheme=lk["scheme"],
            note=lk["note"],
        )
        for lk in ordered
    ]
    graph = ArgumentGraph(
        map=MapInfo(**MAP, source_text=source),
        statements=tuple(statements),
        links=tuple(links),
    )
    check_graph(graph)
    roles = compute_roles(graph.statements, graph.links)
    unlinked = sorted(k for k, i in statement_id.items() if roles[i] is Role.UNLINKED)
    if unlinked:
        raise ValueError(f"statements in no link: {unlinked}")
    mains = [k for k, i in statement_id.items() if roles[i] is Role.MAIN_CONCLUSION]
    if mains != list(MAIN_CONCLUSIONS):
        raise ValueError(f"expected the main conclusions {list(MAIN_CONCLUSIONS)}; got {mains}")
    return graph


def render(source: str) -> str:
    return json.dumps(to_dict(build(source)), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the map on disk is out of date"
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

"""The just-culture decision guide as a pure function.

Follows NHS England, "A just culture guide" (2018): one pass per action or omission,
questions asked in order, the first decisive answer giving the outcome letter:

1. deliberate harm: any intention to cause harm? yes -> A
2. health: substance abuse? yes -> B; physical or mental ill health? yes -> C
3. foresight: agreed protocols in place? workable and in routine use? knowingly departed
   from? any "no" -> D
4. substitution: would comparable peers have acted the same? was the individual missed when
   peers were trained? did senior staff fail to supervise as they normally should?
   any "yes" -> E
5. mitigating circumstances? yes -> F, no -> G

The letter is computed, never typed. C, D, E and F point away from action against the
individual (health support, the system, or mitigation); A, B and G follow organisational
guidance for the individual.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from haven.reports.schemas import JcQuestion

Q = JcQuestion


@dataclass(frozen=True)
class Outcome:
    letter: str
    title: str
    guidance: str
    points_away_from_individual_action: bool


OUTCOMES: dict[str, Outcome] = {
    "A": Outcome(
        "A",
        "Deliberate harm",
        "Follow organisational guidance for appropriate management action (regulators, "
        "suspension, police and disciplinary processes may be involved). Still investigate "
        "how patients were not protected from the individual's actions.",
        False,
    ),
    "B": Outcome(
        "B",
        "Substance abuse",
        "Follow organisational guidance on substance abuse at work. Still investigate the "
        "wider circumstances.",
        False,
    ),
    "C": Outcome(
        "C",
        "Ill health",
        "Follow organisational guidance for health issues affecting work, likely including "
        "occupational health referral and support. Still investigate the wider circumstances.",
        True,
    ),
    "D": Outcome(
        "D",
        "Protocols absent, unworkable or not knowingly departed from",
        "Action singling out the individual is unlikely to be appropriate: the investigation "
        "should identify the wider actions needed to improve safety for future patients.",
        True,
    ),
    "E": Outcome(
        "E",
        "Peers would have acted the same, or training or supervision fell short",
        "Action singling out the individual is unlikely to be appropriate: the investigation "
        "should identify the wider actions needed, which may include the individual.",
        True,
    ),
    "F": Outcome(
        "F",
        "Significant mitigating circumstances",
        "Action directed at the individual may not be appropriate; follow organisational "
        "guidance, including senior HR advice on the degree of mitigation. Still address the "
        "wider circumstances.",
        True,
    ),
    "G": Outcome(
        "G",
        "No significant mitigating circumstances",
        "Follow organisational guidance for appropriate management action, such as training, "
        "performance management, competency assessment or increased supervision. Still "
        "address the wider circumstances.",
        False,
    ),
}


@dataclass(frozen=True)
class Evaluation:
    outcome: str | None
    next_question: JcQuestion | None


def evaluate(answers: Mapping[JcQuestion, bool | None]) -> Evaluation:
    """The outcome letter (or None) and the first question still unanswered."""

    def ask(question: JcQuestion) -> bool | None:
        return answers.get(question)

    def pending(question: JcQuestion) -> Evaluation:
        return Evaluation(None, question)

    steps: list[tuple[JcQuestion, bool, str]] = [
        (Q.deliberate_harm, True, "A"),
        (Q.substance_abuse, True, "B"),
        (Q.ill_health, True, "C"),
        (Q.protocols_existed, False, "D"),
        (Q.protocols_workable, False, "D"),
        (Q.knowingly_departed, False, "D"),
        (Q.peers_would_act_same, True, "E"),
        (Q.missed_training, True, "E"),
        (Q.supervision_lacking, True, "E"),
    ]
    for question, decisive_answer, letter in steps:
        value = ask(question)
        if value is None:
            return pending(question)
        if value is decisive_answer:
            return Evaluation(letter, None)
    mitigating = ask(Q.mitigating_circumstances)
    if mitigating is None:
        return pending(Q.mitigating_circumstances)
    return Evaluation("F" if mitigating else "G", None)

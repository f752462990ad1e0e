"""Action types as smooth paths through a small motion latent, built to overlap.

An action is a curve ``z(u)`` for phase ``u`` (0 = start, 1 = end of one instance): a base
posture plus a few sinusoids. Known actions come in families that a bag of codes confuses:

- ``reversed``: the second action is the first played backwards (same poses, other order);
- ``speed``: the same periodic path, the second one done about twice as fast;
- ``posture``: two different small motions around one shared base posture;
- ``single``: an action with its own path.

The unknown action shares the base posture of a known one, so it is new but not trivially so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FAMILY_KINDS = ("reversed", "speed", "posture")


@dataclass(frozen=True, eq=False)
class ActionPath:
    """One action: ``at(u)`` maps phases ``(n,)`` to latent points ``(n, latent_dim)``."""

    name: str
    base: np.ndarray  # (m,) posture the action moves around
    amplitudes: np.ndarray  # (terms, m)
    frequencies: np.ndarray  # (terms,) cycles per action instance
    phases: np.ndarray  # (terms, m)
    frames: float  # frames one instance lasts at speed 1
    reverse: bool = False
    pivot: float = 0.5  # reversed actions run ``u -> 2*pivot - u``: the middle of what segments see

    def at(self, u: np.ndarray) -> np.ndarray:
        u = 2 * self.pivot - u if self.reverse else u
        angle = 2 * np.pi * u[:, None, None] * self.frequencies[None, :, None] + self.phases
        return self.base + (self.amplitudes * np.sin(angle)).sum(axis=1)


@dataclass(frozen=True)
class ActionRelation:
    """How two actions overlap: ``kind`` is one of FAMILY_KINDS or ``unknown_shares_posture``."""

    first: str
    second: str
    kind: str


def _path(name, rng, m, frames, *, base=None, slow=True, scale=1.0) -> ActionPath:
    # Slow (non-periodic) actions make well under two cycles per instance; periodic ones 2-3.
    terms = 3
    freqs = rng.uniform(0.3, 0.9, terms) if slow else np.array([2.0, 3.0, 0.5])
    return ActionPath(
        name=name,
        base=rng.normal(0, 0.8, m) if base is None else base,
        amplitudes=rng.normal(0, 0.7 * scale, (terms, m)),
        frequencies=freqs,
        phases=rng.uniform(0, 2 * np.pi, (terms, m)),
        frames=frames,
    )


def build_actions(
    names: tuple[str, ...],
    unknown_name: str,
    latent_dim: int,
    frames_range: tuple[float, float],
    first_phase: float,
    seen_frames: float,
    rng: np.random.Generator,
) -> tuple[list[ActionPath], ActionPath, list[ActionRelation]]:
    """Known actions (in ``names`` order), the unknown action, and how they overlap.

    Consecutive names pair up into families cycling through FAMILY_KINDS; an odd one out
    is a ``single``. ``first_phase`` and ``seen_frames`` say what part of an action a segment
    typically covers, so that a reversed action visits the same poses as its partner.
    """
    m = latent_dim
    known: list[ActionPath] = []
    relations: list[ActionRelation] = []
    frames = lambda: float(rng.uniform(*frames_range))
    for pair_index in range(0, len(names) - 1, 2):
        first_name, second_name = names[pair_index], names[pair_index + 1]
        kind = FAMILY_KINDS[(pair_index // 2) % len(FAMILY_KINDS)]
        if kind == "reversed":
            first = _path(first_name, rng, m, frames())
            second = ActionPath(
                second_name,
                first.base,
                first.amplitudes,
                first.frequencies,
                first.phases,
                first.frames,
                reverse=True,
                pivot=first_phase + seen_frames / first.frames / 2,
            )
        elif kind == "speed":
            first = _path(first_name, rng, m, frames(), slow=False)
            second = ActionPath(
                second_name,
                first.base,
                first.amplitudes * 0.9,
                first.frequencies,
                first.phases,
                first.frames / 2.0,
            )
        else:
            shared = rng.normal(0, 0.8, m)
            first = _path(first_name, rng, m, frames(), base=shared, scale=0.6)
            second = _path(second_name, rng, m, frames(), base=shared, scale=0.6, slow=False)
        known += [first, second]
        relations.append(ActionRelation(first_name, second_name, kind))
    if len(names) % 2:
        known.append(_path(names[-1], rng, m, frames()))
    anchor = known[0]
    unknown = _path(unknown_name, rng, m, frames(), base=anchor.base + rng.normal(0, 0.3, m))
    relations.append(ActionRelation(unknown_name, anchor.name, "unknown_shares_posture"))
    return known, unknown, relations

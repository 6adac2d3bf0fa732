"""Prompt lookup: what the drafter guesses from the history."""

from pipeline.draft import LONG, SHORT, Drafter


def test_guesses_what_followed_the_last_tokens_before():
    d = Drafter([1, 2, 3, 4, 5, 6, 7, 8, 9])
    for t in (2, 3):
        d.push(t)
    assert d.propose(100) == [4, 5, 6][:SHORT]


def test_the_latest_earlier_occurrence_wins():
    d = Drafter([7, 8, 1, 7, 8, 2, 0])
    d.push(7)
    d.push(8)
    assert d.propose(100)[0] == 2


def test_the_longest_match_wins_over_a_later_shorter_one():
    # [5, 7, 8] occurs once (followed by 1); [7, 8] occurs later (followed by 2).
    d = Drafter([5, 7, 8, 1, 9, 7, 8, 2, 0, 5])
    d.push(7)
    d.push(8)
    assert d.propose(100)[0] == 1


def test_no_guess_without_a_match_of_two_tokens():
    d = Drafter([1, 2, 3, 4])
    d.push(3)  # [4, 3] never occurred; a single token is not enough to go on
    assert d.propose(100) == []
    assert Drafter([]).propose(100) == []


def test_guesses_long_only_after_a_guess_kept_to_its_end():
    prompt = list(range(40))
    d = Drafter(prompt)
    d.push(10)
    d.push(11)
    assert d.propose(100) == list(range(12, 12 + SHORT))
    d.judge(SHORT, SHORT)
    assert d.propose(100) == list(range(12, 12 + LONG))
    d.judge(LONG, 2)
    assert len(d.propose(100)) == SHORT
    assert (d.proposed, d.accepted) == (SHORT + LONG, SHORT + 2)


def test_a_guess_fits_the_room_left():
    d = Drafter(list(range(40)))
    d.push(10)
    d.push(11)
    assert d.propose(2) == [12, 13]
    assert d.propose(0) == []

"""The known-failures list of the conformance suite stays honest: every entry names cases
that exist (a renamed or deleted case would leave a pattern that excuses nothing, or that
silently excuses a future case)."""
import fnmatch

import conformance as cf
import test_conformance_arrays  # noqa: F401 - generate their case ids
import test_conformance_elementwise  # noqa: F401
import test_conformance_singular  # noqa: F401


def test_every_known_failure_matches_a_case():
    stale = [pattern for pattern in cf.KNOWN_FAILURES
             if not fnmatch.filter(cf.GENERATED_IDS, pattern)]
    assert stale == []


def test_every_known_failure_names_its_issue_item_or_is_new():
    unexplained = [pattern for pattern, reason in cf.KNOWN_FAILURES.items()
                   if not reason.startswith(("issue 12 item ", "NEW:"))]
    assert unexplained == []

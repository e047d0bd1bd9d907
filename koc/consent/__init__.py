"""Consent (PIPL): a member's decision per purpose under the brand's versioned privacy policies,
and ``may_process``, the question every feature that uses a member's data asks first.

A feature of its own, below the features that must obey it (creators' scores, automatic tags,
partner reads) and above members only: its decisions point at members. The rest of privacy
(data map, export, erasure, access records, retention) reads every feature, so it sits above
them all in ``koc.privacy``.
"""

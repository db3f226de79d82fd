"""The programmes (MISSION.md pillar 3): a core every programme shares (``common``: eligibility,
enrolment, benefits, scheduled visits, review, access by programme) and one app per family of
programmes on it (home care, elderly care, children, volunteers…). The programme apps import the core
and casework; the core imports none of them."""

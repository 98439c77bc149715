"""Synthetic source systems: the sample CRM, telephony, survey and HR deliveries.

``generate(out, start, days, agents=300, seed=42, defects=False, sidecar=None)`` simulates a
contact centre and writes ``<out>/<source>/<YYYY-MM-DD>/<entity>.csv`` plus ``_manifest.json``
(written last) for every entity of ``orchestration.contract.ENTITIES``.

How it works: the HR workforce is simulated first for the whole period (``workforce``), then
each day is planned (``schedules``) and contacts are routed to the agents on shift
(``contacts``, ``crm``, ``surveys``, ``world``); ``render`` writes files; ``defects`` injects
faults on request. Everything is drawn from ``numpy.random.Generator``s seeded by
(seed, stream, day), so the same arguments give byte-identical files.

Performance (2-core machine shared with other jobs, load average ~3.5 during the runs):
one year (365 days) at 300 agents writes 1,460 deliveries / 8,030 files / 1.68 GB in
175 s wall (172 s user + 8 s sys CPU over both processes), peak RSS 0.5 GB; 30 days take
29 s wall / 16 s CPU (before this tuning: 49 s wall / 34 s CPU on the same load). Where the
time goes and what keeps it low:
* generation streams day by day; from ``PARALLEL_MIN_DAYS`` days on, a second (forked)
  process renders and writes while the next day is simulated (at most
  ``MAX_DAYS_IN_FLIGHT`` days queued), so memory stays flat and both cores work; the bytes
  are the same as in one process (tested);
* call routing (``contacts.route_calls``) is an event loop in arrival order over ~9,000
  segments a day: every random draw is made up front, vectorised, and the loop keeps a heap
  of the current 15-minute slot's available agents keyed by the time they become free, so
  each call costs two heap operations; chats and CTI agent states are numpy (no per-row
  pandas);
* CSV rendering (``render.to_text``) formats whole columns with numpy / pyarrow compute
  (a per-second ``HH:MM:SS`` lookup, dates formatted once per distinct day), joins them
  in C and quotes only where ``csv.writer`` would (byte-identical to it); encoding is one
  ``str.encode`` per file.

Planted relationships (what the business believes; recoverable at 30-60 agents over a few
months). Every service outcome of an agent on a day is driven by one latent proficiency

    q = skill                                   individual, N(0, 0.4)
        - 1.2 * exp(-tenure_days / 90)          new hires are weaker, converging in ~6 months
        - 2.0 * (team_churn_90d - 0.09)         separations in the team over the last 90 days
                                                 per seat (high-churn teams serve worse)
        + 0.35 while holding an incentive role   mentor / internal_trainer / star_agent /
                                                 quality_champion, from the assignment date
        + 0.25 per promotion in the last 2 years, from the promotion date
        + 0.15 after passing certification

and q raises CSAT / NPS / CES (survey latent 0.9 q + resolution), first-contact resolution
(P = sigmoid(1.3 + 0.7 q); unresolved customers come back within 7 days, 70 %), QA criterion
scores (sigmoid(2.0 + 0.9 q)), lowers talk time (x exp(-0.18 q)), after-call work, hold, chat
duration, ticket resolution time, complaint and critical-fail rates. Teams differ in a hidden
"pressure" that multiplies their attrition hazard (so some teams churn much more, and carry
more new hires); an incentive role halves an agent's attrition hazard, low skill raises it.
Attrition: ~35 % a year, ~22 % of hires gone within 90 days; fortnightly hiring classes
backfill the teams. CSI scores move with the mean proficiency of the agents on shift; pulse
answers are worse in high-pressure teams.

Interface decisions (documented for the loader and the dbt models):
* contact ids: post_contact / qa_evaluations ``contact_id`` for a call is the ``call_id``
  (agent = the last handled segment), for a chat the ``chat_id``, for a ticket the
  ``ticket_id`` (email / social / app tickets are surveyed at resolution).
* ``job_history.effective_to`` is the inclusive last day of a spell (the day before the
  next one), null for the current spell; a ``termination`` spell starts the day after the
  last day employed (``employees.termination_date``). HR snapshots are "as of" the
  business date: termination fields appear from the termination date on.
* customers: the first delivery of a run is the initial load (the whole customer base, each
  row with its last ``updated_at``); later deliveries carry rows created or changed that day.
* tickets are delivered on every business date on which they changed (status, replies,
  resolution, reopen, close), with the state at the last change of that day.
* post_contact rows are delivered on the response date (local), up to 10 days after the
  contact; qa_evaluations on the evaluation date (1-3 days after the contact); training on
  its completion date (start date if never completed); incentives on the month's last day;
  schedules on the shift date; CSI interviews through the last month of each quarter
  (wave ``YYYYQn``); employee pulse 15-28 June (``YYYYH1``) and 8-21 December (``YYYYH2``).
* agent_states: ``logged_out`` rows are open (no ``ended_at``) after the last activity of the
  day; an absent agent (scheduled, never logged in) gets one ``logged_out`` row spanning
  the shift. Unanswered call segments have zero ring/talk/hold/acw and no ``answered_at``.
* a manifest's ``generated_at`` is the next day 06:00 +08:00 (re-sends 3 h later).
"""

from synthetic.generator import GenerationReport, generate

__all__ = ["GenerationReport", "generate"]

-- Anonymous employee pulse responses (grain response_id; no person identifier, never joinable
-- to a person). A wave is mapped to ONE month, its fieldwork month: the local month in which
-- most of the wave's responses were submitted (ties: the later month). Group-level figures must
-- be suppressed below 5 responses (done in the KPI marts).
with

pulse as (
    select * from {{ ref('stg_survey__employee_pulse') }}
),

wave_months as (
    select
        wave,
        {{ hr_month_start(dbt.cast('submitted_at_local', api.Column.translate_type('date'))) }} as submitted_month,
        count(*) as responses
    from pulse
    group by wave, {{ hr_month_start(dbt.cast('submitted_at_local', api.Column.translate_type('date'))) }}
),

wave_month as (
    select
        wave,
        submitted_month as wave_month,
        row_number() over (partition by wave order by responses desc, submitted_month desc) as month_rank
    from wave_months
)

select
    pulse.response_id,
    pulse.wave,
    wave_month.wave_month,
    coalesce(pulse.team_id, '-1') as team_id,
    pulse.submitted_at,
    pulse.enps,
    coalesce(pulse.enps >= 9, false) as is_promoter,
    coalesce(pulse.enps <= 6, false) as is_detractor,
    pulse.sat_workload,
    pulse.sat_environment,
    pulse.sat_manager,
    pulse.sat_growth,
    pulse.sat_pay,
    pulse.intent_to_stay
from pulse
left join wave_month on pulse.wave = wave_month.wave and wave_month.month_rank = 1

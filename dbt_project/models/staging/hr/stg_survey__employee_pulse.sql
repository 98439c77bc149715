-- Anonymous employee pulse (events; survey system): one row per response_id, the latest
-- delivery wins. No person identifier exists or is added: pulse data is never joinable to a person.
with

ranked as (
    select
        *,
        row_number() over (
            partition by response_id
            order by _business_date desc, _manifest_generated_at desc, _line_no desc
        ) as delivery_rank
    from {{ source('survey', 'employee_pulse') }}
)

select
    response_id,
    wave,
    team_id,
    submitted_at,
    {{ dbt.dateadd('hour', 8, 'submitted_at') }} as submitted_at_local,
    sat_workload,
    sat_environment,
    sat_manager,
    sat_growth,
    sat_pay,
    enps,
    intent_to_stay,
    _business_date,
    _source_file,
    _load_id,
    _line_no
from ranked
where delivery_rank = 1

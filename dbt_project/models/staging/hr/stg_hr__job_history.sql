-- Job spells from the latest delivered job_history snapshot. salary_band (sensitive) is dropped.
with

source as (
    select * from {{ source('hr', 'job_history') }}
),

latest as (
    select *
    from source
    where _business_date = (select max(deliveries._business_date) from source as deliveries)
)

select
    employee_id,
    effective_from,
    effective_to,
    action,
    team_id,
    supervisor_id,
    job_level,
    incentive_role,
    _business_date as snapshot_date,
    _source_file,
    _load_id,
    _line_no
from latest

-- Teams from the latest delivered snapshot.
with

source as (
    select * from {{ source('hr', 'teams') }}
),

latest as (
    select *
    from source
    where _business_date = (select max(deliveries._business_date) from source as deliveries)
)

select
    team_id,
    team_name,
    site,
    line_of_business,
    leader_employee_id,
    created_on,
    _business_date as snapshot_date,
    _source_file,
    _load_id,
    _line_no
from latest

-- Team dimension (type 1, latest HR snapshot). Teams referenced by job history but missing
-- from the teams extract are added with unknown attributes; '-1' = unknown team.
with

teams as (
    select * from {{ ref('stg_hr__teams') }}
),

referenced_only as (
    select distinct jh.team_id
    from {{ ref('stg_hr__job_history') }} as jh
    where
        jh.team_id is not null
        and not exists (
            select 1 from teams
            where teams.team_id = jh.team_id
        )
)

select
    {{ surrogate_key(['team_id']) }} as team_sk,
    team_id,
    team_name,
    site,
    line_of_business,
    leader_employee_id,
    created_on,
    true as is_in_teams_extract
from teams

union all

select
    {{ surrogate_key(['team_id']) }} as team_sk,
    team_id,
    cast(null as {{ dbt.type_string() }}) as team_name,
    cast(null as {{ dbt.type_string() }}) as site,
    cast(null as {{ dbt.type_string() }}) as line_of_business,
    cast(null as {{ dbt.type_string() }}) as leader_employee_id,
    cast(null as date) as created_on,
    false as is_in_teams_extract
from referenced_only

union all

select
    '-1' as team_sk,
    '-1' as team_id,
    'Unknown team' as team_name,
    cast(null as {{ dbt.type_string() }}) as site,
    cast(null as {{ dbt.type_string() }}) as line_of_business,
    cast(null as {{ dbt.type_string() }}) as leader_employee_id,
    cast(null as date) as created_on,
    false as is_in_teams_extract

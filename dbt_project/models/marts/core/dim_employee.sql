-- Employee dimension, type 2 on team, supervisor, job level and incentive role (from
-- job_history), with type-1 roster attributes. hire_date / termination_date are those of the
-- employment spell the version belongs to (rehire resets). No PII, no pay. '-1' = unknown.
with

versions as (
    select * from {{ ref('int_hr__job_versions') }}
),

spells as (
    select * from {{ ref('int_hr__employment_spells') }}
),

roster as (
    select * from {{ ref('stg_hr__employees') }}
),

versions_in_spell as (
    -- the spell a version belongs to: the latest spell that started on or before it
    select
        versions.*,
        spells.spell_no,
        spells.hire_date,
        spells.termination_date,
        row_number() over (
            partition by versions.employee_id, versions.valid_from
            order by spells.hire_date desc
        ) as spell_rank
    from versions
    left join spells
        on
            versions.employee_id = spells.employee_id
            and versions.valid_from >= spells.hire_date
),

known as (
    select
        {{ surrogate_key(['v.employee_id', 'v.valid_from']) }} as employee_sk,
        v.employee_id,
        v.valid_from,
        v.valid_to,
        coalesce(v.valid_to = {{ hr_open_end() }}, false) as is_current,
        v.action,
        coalesce(v.team_id, '-1') as team_id,
        v.supervisor_id,
        v.job_level,
        v.incentive_role,
        roster.employment_type,
        roster.education,
        roster.site,
        roster.gender,
        coalesce(v.spell_no, 1) as spell_no,
        v.hire_date,
        v.termination_date
    from versions_in_spell as v
    left join roster on v.employee_id = roster.employee_id
    where v.spell_rank = 1
),

unknown as (
    select
        '-1' as employee_sk,
        '-1' as employee_id,
        {{ hr_date('1900-01-01') }} as valid_from,
        {{ hr_open_end() }} as valid_to,
        true as is_current,
        cast(null as {{ dbt.type_string() }}) as action,
        '-1' as team_id,
        cast(null as {{ dbt.type_string() }}) as supervisor_id,
        cast(null as {{ dbt.type_string() }}) as job_level,
        cast(null as {{ dbt.type_string() }}) as incentive_role,
        cast(null as {{ dbt.type_string() }}) as employment_type,
        cast(null as {{ dbt.type_string() }}) as education,
        cast(null as {{ dbt.type_string() }}) as site,
        cast(null as {{ dbt.type_string() }}) as gender,
        0 as spell_no,
        cast(null as date) as hire_date,
        cast(null as date) as termination_date
)

select * from known
union all
select * from unknown

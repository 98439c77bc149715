-- One row per employment spell (hire or rehire .. termination). The latest spell takes its
-- dates and termination type from the roster (the HR master); earlier spells (before a rehire)
-- end the day before their job_history `termination` row (that row starts the day after the last
-- day employed) or, if that row is missing, the day before the rehire; their termination type is
-- not in the extract: 'other'.
with

job_rows as (
    select
        employee_id,
        effective_from,
        action,
        sum(case when action in ('hire', 'rehire') then 1 else 0 end) over (
            partition by employee_id order by effective_from rows between unbounded preceding and current row
        ) as hires_so_far
    from {{ ref('stg_hr__job_history') }}
),

spells_from_history as (
    select
        employee_id,
        case when hires_so_far = 0 then 1 else hires_so_far end as spell_no,
        min(effective_from) as spell_start,
        max(case when action = 'termination' then {{ hr_add_days(-1, 'effective_from') }} end) as termination_row_date,
        max(case when action = 'rehire' then 1 else 0 end) as has_rehire_row
    from job_rows
    group by employee_id, case when hires_so_far = 0 then 1 else hires_so_far end
),

numbered as (
    select
        *,
        max(spell_no) over (partition by employee_id) as last_spell_no,
        lead(spell_start) over (partition by employee_id order by spell_no) as next_spell_start
    from spells_from_history
),

roster as (
    select * from {{ ref('stg_hr__employees') }}
),

history_spells as (
    select
        numbered.employee_id,
        numbered.spell_no,
        case
            when numbered.spell_no = numbered.last_spell_no then coalesce(roster.hire_date, numbered.spell_start)
            else numbered.spell_start
        end as hire_date,
        case
            when numbered.spell_no = numbered.last_spell_no and roster.employee_id is not null
                then roster.termination_date
            when numbered.spell_no = numbered.last_spell_no then numbered.termination_row_date
            else coalesce(numbered.termination_row_date, {{ hr_add_days(-1, 'numbered.next_spell_start') }})
        end as termination_date,
        case
            when numbered.spell_no = numbered.last_spell_no and roster.employee_id is not null
                then roster.termination_type
            when numbered.termination_row_date is not null or numbered.spell_no < numbered.last_spell_no
                then 'other'
        end as termination_type,
        case
            when numbered.spell_no = numbered.last_spell_no then roster.termination_reason
        end as termination_reason,
        coalesce(numbered.spell_no > 1 or numbered.has_rehire_row = 1, false) as is_rehire
    from numbered
    left join roster on numbered.employee_id = roster.employee_id
),

roster_only as (
    -- employees on the roster without any job_history row: one spell from the roster
    select
        roster.employee_id,
        1 as spell_no,
        roster.hire_date,
        roster.termination_date,
        roster.termination_type,
        roster.termination_reason,
        false as is_rehire
    from roster
    where
        roster.hire_date is not null
        and not exists (
            select 1 from spells_from_history as s
            where s.employee_id = roster.employee_id
        )
)

select
    {{ surrogate_key(['employee_id', 'spell_no']) }} as spell_key,
    employee_id,
    spell_no,
    hire_date,
    termination_date,
    termination_type,
    termination_reason,
    is_rehire
from (
    select * from history_spells
    union all
    select * from roster_only
) as spells

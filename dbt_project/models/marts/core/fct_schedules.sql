{{
    config(
        materialized=incremental_materialization(),
        unique_key='schedule_key',
        incremental_strategy='delete+insert',
    )
}}
-- WFM schedule activities (grain employee x shift_date x activity x starts_at) with the
-- employee version valid on the shift date. minutes = ends_at - starts_at.
with

schedules as (
    select * from {{ ref('stg_hr__schedules') }}
    {{ incremental_window() }}
),

employees as (
    select * from {{ ref('dim_employee') }}
)

select
    {{ surrogate_key(['schedules.employee_id', 'schedules.shift_date', 'schedules.activity', 'schedules.starts_at']) }}
        as schedule_key,
    schedules.employee_id,
    coalesce(employees.employee_sk, '-1') as employee_sk,
    coalesce(employees.team_id, '-1') as team_id,
    schedules.shift_date,
    {{ hr_month_start('schedules.shift_date') }} as shift_month,
    schedules.activity,
    schedules.starts_at,
    schedules.ends_at,
    schedules.starts_at_local,
    schedules.ends_at_local,
    {{ dbt.datediff(
        'schedules.starts_at', 'schedules.ends_at', 'minute'
    ) }} as minutes,
    schedules._business_date
from schedules
left join employees
    on
        schedules.employee_id = employees.employee_id
        and schedules.shift_date >= employees.valid_from
        and schedules.shift_date < employees.valid_to

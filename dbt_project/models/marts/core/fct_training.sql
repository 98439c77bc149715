-- Training records (grain employee x course x started_on) with the employee version valid on
-- the start date. completion / pass as booleans and additive counts.
with

training as (
    select * from {{ ref('stg_hr__training') }}
),

employees as (
    select * from {{ ref('dim_employee') }}
)

select
    {{ surrogate_key(['training.employee_id', 'training.course_id', 'training.started_on']) }} as training_key,
    training.employee_id,
    coalesce(employees.employee_sk, '-1') as employee_sk,
    coalesce(employees.team_id, '-1') as team_id,
    training.course_id,
    training.course_type,
    training.started_on,
    {{ hr_month_start('training.started_on') }} as started_month,
    training.completed_on,
    training.hours,
    training.score,
    training.passed,
    training.completed_on is not null as is_completed,
    coalesce(training.passed, false) as is_passed,
    coalesce(training.course_type = 'certification' and training.passed, false)
        as is_certification_passed
from training
left join employees
    on
        training.employee_id = employees.employee_id
        and training.started_on >= employees.valid_from
        and training.started_on < employees.valid_to

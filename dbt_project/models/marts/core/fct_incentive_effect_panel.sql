-- Event-study panel for promotions, incentive-role assignments and certifications.
-- Treatment event = an employee's FIRST event of the type (event_month = its month). For each
-- treated employee and relative_month k in -6..+6 (calendar_month = event_month + k): a
-- `treated` row. For each cohort (event_type, event_month) and k: `comparison` rows for every
-- not-yet-treated employee, i.e. whose own first event of the type is later than both the
-- calendar month and the cohort's event month, on the same calendar month. Rows only for
-- months the employee was employed; KPI numerators / denominators from fct_agent_kpis_monthly
-- (zeros when the agent had no contacts). No pay.
with

job_events as (
    select
        case when event_type = 'promotion' then 'promotion' else 'incentive_role' end as event_type,
        employee_id,
        event_date
    from {{ ref('fct_employee_events') }}
    where event_type = 'promotion' or is_incentive_role_assignment
),

certifications as (
    select
        'certification' as event_type,
        employee_id,
        coalesce(completed_on, started_on) as event_date
    from {{ ref('fct_training') }}
    where is_certification_passed
),

first_events as (
    select
        event_type,
        employee_id,
        min(event_date) as event_date
    from (
        select * from job_events
        union all
        select * from certifications
    ) as all_events
    group by event_type, employee_id
),

treatments as (
    select
        event_type,
        employee_id,
        event_date,
        {{ hr_month_start('event_date') }} as event_month
    from first_events
),

relative_months as (
    {% for k in range(-6, 7) %}
        select {{ k }} as relative_month
        {% if not loop.last %}
            union all
        {% endif %}
    {% endfor %}
),

cohort_months as (
    select distinct
        treatments.event_type,
        treatments.event_month,
        relative_months.relative_month,
        {{ hr_add_months('relative_months.relative_month', 'treatments.event_month') }} as calendar_month
    from treatments
    cross join relative_months
),

treated as (
    select
        cohort_months.event_type,
        cohort_months.event_month,
        cohort_months.relative_month,
        cohort_months.calendar_month,
        treatments.employee_id,
        treatments.event_month as own_event_month,
        true as is_treated
    from cohort_months
    inner join treatments
        on
            cohort_months.event_type = treatments.event_type
            and cohort_months.event_month = treatments.event_month
),

comparison as (
    select
        cohort_months.event_type,
        cohort_months.event_month,
        cohort_months.relative_month,
        cohort_months.calendar_month,
        treatments.employee_id,
        treatments.event_month as own_event_month,
        false as is_treated
    from cohort_months
    inner join treatments
        on
            cohort_months.event_type = treatments.event_type
            and cohort_months.calendar_month < treatments.event_month
            and cohort_months.event_month < treatments.event_month
),

panel as (
    select * from treated
    union all
    select * from comparison
),

employed as (
    select distinct
        employee_id,
        month_start
    from {{ ref('fct_headcount_monthly') }}
),

kpis as (
    select * from {{ ref('fct_agent_kpis_monthly') }}
)

select
    {{ surrogate_key(['panel.event_type', 'panel.event_month', 'panel.relative_month', 'panel.employee_id']) }}
        as panel_key,
    panel.event_type,
    panel.event_month,
    panel.relative_month,
    panel.calendar_month,
    panel.employee_id,
    panel.own_event_month,
    panel.is_treated,
    case when panel.is_treated then 'treated' else 'not_yet_treated' end as comparison_group,
    coalesce(kpis.csat_n, 0) as csat_n,
    coalesce(kpis.csat_top2_count, 0) as csat_top2_count,
    coalesce(kpis.fcr_n, 0) as fcr_n,
    coalesce(kpis.fcr_yes_count, 0) as fcr_yes_count,
    coalesce(kpis.qa_n, 0) as qa_n,
    coalesce(kpis.qa_score_sum, 0) as qa_score_sum,
    coalesce(kpis.aht_phone_n, 0) as aht_phone_n,
    coalesce(kpis.handle_s_sum, 0) as handle_s_sum
from panel
inner join employed
    on panel.employee_id = employed.employee_id and panel.calendar_month = employed.month_start
left join kpis
    on panel.employee_id = kpis.employee_id and panel.calendar_month = kpis.month_start

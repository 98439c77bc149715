-- Hire cohorts (hire month of each employment spell; rehires count as hires) from the full HR
-- record (fct_employment_spells), however far back they start: how many left within 30 / 90 /
-- 180 days (termination_date - hire_date < N days, i.e. the last day employed falls in the
-- first N days). A cohort is mature for N days when month_end + N days <= the latest roster
-- date; attrition_Nd is null until then.
with

spells as (
    select * from {{ ref('fct_employment_spells') }}
),

cohorts as (
    select
        hire_month,
        max(as_of_date) as as_of_date,
        min(first_roster_date) as first_roster_date,
        count(*) as hires,
        sum(case when stayed_days < 30 then 1 else 0 end) as left_30d,
        sum(case when stayed_days < 90 then 1 else 0 end) as left_90d,
        sum(case when stayed_days < 180 then 1 else 0 end) as left_180d
    from spells
    group by hire_month
),

flagged as (
    select
        *,
        coalesce({{ hr_add_days(30, hr_month_end('hire_month')) }} <= as_of_date, false) as mature_30d,
        coalesce({{ hr_add_days(90, hr_month_end('hire_month')) }} <= as_of_date, false) as mature_90d,
        coalesce({{ hr_add_days(180, hr_month_end('hire_month')) }} <= as_of_date, false) as mature_180d,
        coalesce(hire_month < {{ hr_month_start('first_roster_date') }}, false) as is_before_first_roster
    from cohorts
)

select
    hire_month,
    cast(hires as integer) as hires,
    cast(left_30d as integer) as left_30d,
    cast(left_90d as integer) as left_90d,
    cast(left_180d as integer) as left_180d,
    case when mature_30d then {{ hr_ratio('left_30d', 'hires') }} end as attrition_30d,
    case when mature_90d then {{ hr_ratio('left_90d', 'hires') }} end as attrition_90d,
    case when mature_180d then {{ hr_ratio('left_180d', 'hires') }} end as attrition_180d,
    mature_30d,
    mature_90d,
    mature_180d,
    is_before_first_roster,
    as_of_date
from flagged

-- Agent x month service-KPI numerators and denominators (no rates: re-sum them), from the
-- service facts, attributed to the contact's / evaluation's month and agent. Feeds the
-- incentive / tier event study. Only known agents (employee_id <> '-1').
with

surveys as (
    select
        employee_id,
        contact_month as month_start,
        sum(case when csat is not null then 1 else 0 end) as csat_n,
        sum(case when is_csat_top2 then 1 else 0 end) as csat_top2_count,
        sum(case when is_resolved_first_contact is not null then 1 else 0 end) as fcr_n,
        sum(case when is_resolved_first_contact then 1 else 0 end) as fcr_yes_count,
        0 as qa_n,
        {{ dbt.cast('0', 'double') }} as qa_score_sum,
        0 as aht_phone_n,
        {{ dbt.cast('0', 'double') }} as handle_s_sum
    from {{ ref('fct_survey_responses') }}
    group by employee_id, contact_month
),

qa as (
    select
        employee_id,
        evaluated_month as month_start,
        0 as csat_n,
        0 as csat_top2_count,
        0 as fcr_n,
        0 as fcr_yes_count,
        sum(case when qa_score is not null then 1 else 0 end) as qa_n,
        {{ dbt.cast('sum(qa_score)', 'double') }} as qa_score_sum,
        0 as aht_phone_n,
        {{ dbt.cast('0', 'double') }} as handle_s_sum
    from {{ ref('fct_qa_evaluations') }}
    group by employee_id, evaluated_month
),

calls as (
    select
        employee_id,
        contact_month as month_start,
        0 as csat_n,
        0 as csat_top2_count,
        0 as fcr_n,
        0 as fcr_yes_count,
        0 as qa_n,
        {{ dbt.cast('0', 'double') }} as qa_score_sum,
        sum(case when is_handled then 1 else 0 end) as aht_phone_n,
        {{ dbt.cast('sum(case when is_handled then handle_s else 0 end)', 'double') }} as handle_s_sum
    from {{ ref('fct_call_segments') }}
    group by employee_id, contact_month
),

unioned as (
    select * from surveys
    union all
    select * from qa
    union all
    select * from calls
)

select
    {{ surrogate_key(['employee_id', 'month_start']) }} as agent_month_key,
    employee_id,
    month_start,
    sum(csat_n) as csat_n,
    sum(csat_top2_count) as csat_top2_count,
    sum(fcr_n) as fcr_n,
    sum(fcr_yes_count) as fcr_yes_count,
    sum(qa_n) as qa_n,
    sum(qa_score_sum) as qa_score_sum,
    sum(aht_phone_n) as aht_phone_n,
    sum(handle_s_sum) as handle_s_sum
from unioned
where employee_id is not null and employee_id <> '-1'
group by employee_id, month_start

-- Team x month: stability (headcount, turnover, churn, tenure mix, 90-day attrition,
-- retention, eNPS) beside service quality (CSAT, NPS, FCR, QA, ASA, SL, AHT, complaint rate),
-- every rate re-summed from numerators / denominators. Lags of turnover show co-movement only
-- (correlation, not causation). Attribution: headcount_start to the team on the 1st of the
-- month, headcount_end to the team at the end, separations / hires to the team on the last
-- active day in the month, team_churn to the team left, retention to the team at the start.
with

headcount as (
    select * from {{ ref('fct_headcount_monthly') }}
),

start_counts as (
    select
        team_start_id as team_id,
        month_start,
        sum(active_start_count) as headcount_start,
        sum(case when is_active_end then 1 else 0 end) as retained_count
    from headcount
    where is_active_start
    group by team_start_id, month_start
),

end_counts as (
    select
        team_end_id as team_id,
        month_start,
        sum(active_end_count) as headcount_end,
        sum(case when tenure_days_end < 90 then 1 else 0 end) as new_hire_count_end,
        sum(tenure_days_end) as tenure_days_sum,
        sum(case when tenure_band = '<30d' then 1 else 0 end) as tenure_lt_30d,
        sum(case when tenure_band = '30-90d' then 1 else 0 end) as tenure_30_90d,
        sum(case when tenure_band = '3-6m' then 1 else 0 end) as tenure_3_6m,
        sum(case when tenure_band = '6-12m' then 1 else 0 end) as tenure_6_12m,
        sum(case when tenure_band = '1-2y' then 1 else 0 end) as tenure_1_2y,
        sum(case when tenure_band = '2y+' then 1 else 0 end) as tenure_2y_plus
    from headcount
    where is_active_end
    group by team_end_id, month_start
),

movement_counts as (
    select
        team_id,
        month_start,
        sum(separation_count) as separations,
        sum(voluntary_separation_count) as voluntary_separations,
        sum(involuntary_separation_count) as involuntary_separations,
        sum(other_separation_count) as other_separations,
        sum(hire_count) as hires,
        sum(
            case
                when
                    is_hired_in_month and termination_date is not null
                    and {{ hr_days_between(
                        'hire_date', 'termination_date'
                    ) }} < 90
                    then 1
                else 0
            end
        ) as cohort_left_90d,
        max(as_of_date) as as_of_date
    from headcount
    group by team_id, month_start
),

team_exits as (
    select
        from_team_id as team_id,
        event_month as month_start,
        sum(team_exit_count) as team_churn
    from {{ ref('fct_employee_events') }}
    where is_team_change
    group by from_team_id, event_month
),

months as (
    select distinct
        month_start,
        is_complete_month,
        as_of_date
    from headcount
),

pulse as (
    select
        team_id,
        wave_month as month_start,
        count(enps) as enps_n,
        sum(case when is_promoter then 1 else 0 end) as enps_promoters,
        sum(case when is_detractor then 1 else 0 end) as enps_detractors
    from {{ ref('fct_employee_pulse') }}
    where enps is not null
    group by team_id, wave_month
),

surveys as (
    select
        team_id,
        contact_month as month_start,
        sum(case when csat is not null then 1 else 0 end) as csat_n,
        sum(case when is_csat_top2 then 1 else 0 end) as csat_top2_count,
        sum(case when nps is not null then 1 else 0 end) as nps_n,
        sum(case when is_promoter then 1 else 0 end) as nps_promoters,
        sum(case when is_detractor then 1 else 0 end) as nps_detractors,
        sum(case when is_resolved_first_contact is not null then 1 else 0 end) as fcr_n,
        sum(case when is_resolved_first_contact then 1 else 0 end) as fcr_yes_count
    from {{ ref('fct_survey_responses') }}
    group by team_id, contact_month
),

qa as (
    select
        team_id,
        evaluated_month as month_start,
        sum(case when qa_score is not null then 1 else 0 end) as qa_n,
        sum(qa_score) as qa_score_sum
    from {{ ref('fct_qa_evaluations') }}
    group by team_id, evaluated_month
),

calls as (
    select
        team_id,
        contact_month as month_start,
        sum(case when is_offered and is_answered then 1 else 0 end) as answered,
        sum(case when is_offered and is_abandoned then 1 else 0 end) as abandoned,
        sum(case when is_offered and is_answered_within_t then 1 else 0 end) as answered_within_t,
        sum(case when is_offered and is_answered then wait_s else 0 end) as answered_wait_s,
        sum(case when is_handled then 1 else 0 end) as handled_calls,
        sum(case when is_handled then handle_s else 0 end) as handle_s_sum
    from {{ ref('fct_call_segments') }}
    group by team_id, contact_month
),

complaints as (
    select
        team_id,
        created_month as month_start,
        sum(case when is_complaint then 1 else 0 end) as complaint_tickets
    from {{ ref('fct_tickets') }}
    group by team_id, created_month
),

contacts as (
    select
        team_id,
        contact_month as month_start,
        count(*) as contacts_handled
    from {{ ref('fct_contacts') }}
    group by team_id, contact_month
),

teams as (
    select team_id from start_counts
    union
    select team_id from end_counts
    union
    select team_id from movement_counts
    union
    select team_id from team_exits
    union
    select team_id from pulse
    union
    select team_id from surveys
    union
    select team_id from qa
    union
    select team_id from calls
    union
    select team_id from contacts
),

spine as (
    select
        teams.team_id,
        months.month_start,
        months.is_complete_month,
        months.as_of_date
    from teams
    cross join months
),

base as (
    select
        spine.month_start,
        spine.team_id,
        spine.is_complete_month,
        coalesce(start_counts.headcount_start, 0) as headcount_start,
        coalesce(end_counts.headcount_end, 0) as headcount_end,
        {{ dbt.cast('coalesce(start_counts.headcount_start, 0)', 'double') }} / 2
        + {{ dbt.cast('coalesce(end_counts.headcount_end, 0)', 'double') }} / 2
            as avg_headcount,
        coalesce(movement_counts.separations, 0) as separations,
        coalesce(movement_counts.voluntary_separations, 0) as voluntary_separations,
        coalesce(movement_counts.involuntary_separations, 0) as involuntary_separations,
        coalesce(movement_counts.other_separations, 0) as other_separations,
        coalesce(movement_counts.hires, 0) as hires,
        coalesce(team_exits.team_churn, 0) as team_churn,
        coalesce(start_counts.retained_count, 0) as retained_count,
        coalesce(end_counts.new_hire_count_end, 0) as new_hire_count_end,
        end_counts.tenure_days_sum,
        coalesce(end_counts.tenure_lt_30d, 0) as tenure_lt_30d,
        coalesce(end_counts.tenure_30_90d, 0) as tenure_30_90d,
        coalesce(end_counts.tenure_3_6m, 0) as tenure_3_6m,
        coalesce(end_counts.tenure_6_12m, 0) as tenure_6_12m,
        coalesce(end_counts.tenure_1_2y, 0) as tenure_1_2y,
        coalesce(end_counts.tenure_2y_plus, 0) as tenure_2y_plus,
        coalesce(movement_counts.cohort_left_90d, 0) as cohort_left_90d,
        case
            when {{ hr_add_days(90, hr_month_end('spine.month_start')) }} <= spine.as_of_date
                then true
            else false
        end as mature_90d,
        coalesce(pulse.enps_n, 0) as enps_n,
        pulse.enps_promoters,
        pulse.enps_detractors,
        coalesce(surveys.csat_n, 0) as csat_n,
        surveys.csat_top2_count,
        coalesce(surveys.nps_n, 0) as nps_n,
        surveys.nps_promoters,
        surveys.nps_detractors,
        coalesce(surveys.fcr_n, 0) as fcr_n,
        surveys.fcr_yes_count,
        coalesce(qa.qa_n, 0) as qa_n,
        qa.qa_score_sum,
        coalesce(calls.answered, 0) as answered,
        coalesce(calls.abandoned, 0) as abandoned,
        calls.answered_within_t,
        calls.answered_wait_s,
        coalesce(calls.handled_calls, 0) as handled_calls,
        calls.handle_s_sum,
        coalesce(complaints.complaint_tickets, 0) as complaint_tickets,
        coalesce(contacts.contacts_handled, 0) as contacts_handled
    from spine
    left join start_counts on spine.team_id = start_counts.team_id and spine.month_start = start_counts.month_start
    left join end_counts on spine.team_id = end_counts.team_id and spine.month_start = end_counts.month_start
    left join movement_counts
        on spine.team_id = movement_counts.team_id and spine.month_start = movement_counts.month_start
    left join team_exits on spine.team_id = team_exits.team_id and spine.month_start = team_exits.month_start
    left join pulse on spine.team_id = pulse.team_id and spine.month_start = pulse.month_start
    left join surveys on spine.team_id = surveys.team_id and spine.month_start = surveys.month_start
    left join qa on spine.team_id = qa.team_id and spine.month_start = qa.month_start
    left join calls on spine.team_id = calls.team_id and spine.month_start = calls.month_start
    left join complaints on spine.team_id = complaints.team_id and spine.month_start = complaints.month_start
    left join contacts on spine.team_id = contacts.team_id and spine.month_start = contacts.month_start
),

rated as (
    select
        *,
        {{ hr_ratio('separations', 'avg_headcount') }} as turnover_rate,
        count(*) over (
            partition by team_id order by month_start rows between 11 preceding and current row
        ) as months_in_12m_window,
        sum(separations) over (
            partition by team_id order by month_start rows between 11 preceding and current row
        ) as separations_12m,
        avg(avg_headcount) over (
            partition by team_id order by month_start rows between 11 preceding and current row
        ) as mean_avg_headcount_12m
    from base
)

select
    {{ dbt.cast('month_start', 'date') }} as month,
    {{ dbt.cast('team_id', dbt.type_string()) }} as team_id,
    is_complete_month,
    {{ dbt.cast('headcount_start', 'integer') }} as headcount_start,
    {{ dbt.cast('headcount_end', 'integer') }} as headcount_end,
    {{ dbt.cast('avg_headcount', 'double') }} as avg_headcount,
    {{ dbt.cast('separations', 'integer') }} as separations,
    {{ dbt.cast('voluntary_separations', 'integer') }} as voluntary_separations,
    {{ dbt.cast('involuntary_separations', 'integer') }} as involuntary_separations,
    {{ dbt.cast('other_separations', 'integer') }} as other_separations,
    {{ dbt.cast('turnover_rate', 'double') }} as turnover_rate,
    {{ hr_ratio('voluntary_separations', 'avg_headcount') }} as voluntary_turnover_rate,
    {{ hr_ratio('involuntary_separations', 'avg_headcount') }} as involuntary_turnover_rate,
    case
        when months_in_12m_window = 12 then {{ hr_ratio('separations_12m', 'mean_avg_headcount_12m') }}
    end as turnover_rate_12m,
    {{ dbt.cast('team_churn', 'integer') }} as team_churn,
    {{ dbt.cast('hires', 'integer') }} as hires,
    {{ hr_ratio('new_hire_count_end', 'headcount_end') }} as new_hire_share,
    {{ hr_ratio('tenure_days_sum', 'headcount_end') }} as avg_tenure_days,
    {{ dbt.cast('tenure_lt_30d', 'integer') }} as tenure_lt_30d,
    {{ dbt.cast('tenure_30_90d', 'integer') }} as tenure_30_90d,
    {{ dbt.cast('tenure_3_6m', 'integer') }} as tenure_3_6m,
    {{ dbt.cast('tenure_6_12m', 'integer') }} as tenure_6_12m,
    {{ dbt.cast('tenure_1_2y', 'integer') }} as tenure_1_2y,
    {{ dbt.cast('tenure_2y_plus', 'integer') }} as tenure_2y_plus,
    {{ dbt.cast('cohort_left_90d', 'integer') }} as cohort_left_90d,
    case when mature_90d then {{ hr_ratio('cohort_left_90d', 'hires') }} end as attrition_90d,
    mature_90d,
    {{ hr_ratio('retained_count', 'headcount_start') }} as retention_rate,
    case
        when enps_n >= 5 then {{ hr_ratio('enps_promoters - enps_detractors', 'enps_n', 100) }}
    end as enps,
    {{ dbt.cast('enps_n', 'integer') }} as enps_n,
    {{ hr_ratio('csat_top2_count', 'csat_n') }} as csat_top2_rate,
    {{ dbt.cast('csat_n', 'integer') }} as csat_n,
    {{ hr_ratio('nps_promoters - nps_detractors', 'nps_n', 100) }} as nps,
    {{ dbt.cast('nps_n', 'integer') }} as nps_n,
    {{ hr_ratio('fcr_yes_count', 'fcr_n') }} as fcr_survey_rate,
    {{ dbt.cast('fcr_n', 'integer') }} as fcr_n,
    {{ hr_ratio('qa_score_sum', 'qa_n') }} as qa_score_avg,
    {{ dbt.cast('qa_n', 'integer') }} as qa_n,
    {{ hr_ratio('answered_wait_s', 'answered') }} as asa_s,
    {{ hr_ratio('answered_within_t', 'answered + abandoned') }} as sl_abandons_counted,
    {{ dbt.cast('answered', 'integer') }} as answered_calls,
    {{ dbt.cast('abandoned', 'integer') }} as abandoned_calls,
    {{ hr_ratio('handle_s_sum', 'handled_calls') }} as aht_phone_s,
    {{ dbt.cast('handled_calls', 'integer') }} as handled_calls,
    {{ hr_ratio('complaint_tickets', 'contacts_handled') }} as complaint_rate,
    {{ dbt.cast('complaint_tickets', 'integer') }} as complaint_tickets,
    {{ dbt.cast('contacts_handled', 'integer') }} as contacts_handled,
    {{ dbt.cast('lag(turnover_rate, 1) over (partition by team_id order by month_start)', 'double') }}
        as turnover_rate_lag1,
    {{ dbt.cast('lag(turnover_rate, 2) over (partition by team_id order by month_start)', 'double') }}
        as turnover_rate_lag2
from rated

-- Event study summary (event_type x relative_month): treated vs not-yet-treated comparison,
-- each KPI re-summed from numerators / denominators over all agent-months of the group (never
-- an average of percentages), with the agent-month count and each KPI's n, and the difference
-- treated - comparison. Descriptive: correlation, not a causal estimate.
{% set kpis = [
    ('csat_top2_rate', 'csat_n'),
    ('qa_score_avg', 'qa_n'),
    ('aht_phone_s', 'aht_phone_n'),
    ('fcr_survey_rate', 'fcr_n'),
] %}
with

panel as (
    select * from {{ ref('fct_incentive_effect_panel') }}
),

grouped as (
    select
        event_type,
        relative_month,
        {% for grp, cond in [('treated', 'is_treated'), ('comparison', 'not is_treated')] %}
            sum(case when {{ cond }} then 1 else 0 end) as {{ grp }}_agent_months,
            count(distinct case when {{ cond }} then employee_id end) as {{ grp }}_agents,
            sum(case when {{ cond }} then csat_top2_count else 0 end) as {{ grp }}_csat_top2_count,
            sum(case when {{ cond }} then csat_n else 0 end) as {{ grp }}_csat_n,
            sum(case when {{ cond }} then qa_score_sum else 0 end) as {{ grp }}_qa_score_sum,
            sum(case when {{ cond }} then qa_n else 0 end) as {{ grp }}_qa_n,
            sum(case when {{ cond }} then handle_s_sum else 0 end) as {{ grp }}_handle_s_sum,
            sum(case when {{ cond }} then aht_phone_n else 0 end) as {{ grp }}_aht_phone_n,
            sum(case when {{ cond }} then fcr_yes_count else 0 end) as {{ grp }}_fcr_yes_count,
            sum(case when {{ cond }} then fcr_n else 0 end) as {{ grp }}_fcr_n{% if not loop.last %},{% endif %}
        {% endfor %}
    from panel
    group by event_type, relative_month
),

rates as (
    select
        event_type,
        relative_month,
        {% for grp in ['treated', 'comparison'] %}
            {{ grp }}_agent_months,
            {{ grp }}_agents,
            {{ hr_ratio(grp ~ '_csat_top2_count', grp ~ '_csat_n') }} as {{ grp }}_csat_top2_rate,
            {{ grp }}_csat_n,
            {{ hr_ratio(grp ~ '_qa_score_sum', grp ~ '_qa_n') }} as {{ grp }}_qa_score_avg,
            {{ grp }}_qa_n,
            {{ hr_ratio(grp ~ '_handle_s_sum', grp ~ '_aht_phone_n') }} as {{ grp }}_aht_phone_s,
            {{ grp }}_aht_phone_n,
            {{ hr_ratio(grp ~ '_fcr_yes_count', grp ~ '_fcr_n') }} as {{ grp }}_fcr_survey_rate,
            {{ grp }}_fcr_n{% if not loop.last %},{% endif %}
        {% endfor %}
    from grouped
)

select
    {{ dbt.cast('event_type', dbt.type_string()) }} as event_type,
    {{ dbt.cast('relative_month', 'integer') }} as relative_month,
    {% for grp in ['treated', 'comparison'] %}
        {{ dbt.cast(grp ~ '_agent_months', 'integer') }} as {{ grp }}_agent_months,
        {{ dbt.cast(grp ~ '_agents', 'integer') }} as {{ grp }}_agents,
        {% for kpi, n in kpis %}
            {{ dbt.cast(grp ~ '_' ~ kpi, 'double') }} as {{ grp }}_{{ kpi }},
            {{ dbt.cast(grp ~ '_' ~ n, 'integer') }} as {{ grp }}_{{ n }},
        {% endfor %}
    {% endfor %}
    {% for kpi, _ in kpis %}
        {{ dbt.cast('treated_' ~ kpi ~ ' - comparison_' ~ kpi, 'double') }}
            as diff_{{ kpi }}{% if not loop.last %},{% endif %}
    {% endfor %}
from rates

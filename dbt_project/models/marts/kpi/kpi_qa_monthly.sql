-- QA KPIs per evaluation month, agent and team (the agent's team at the evaluation).
select
    evaluated_month as month,
    employee_id,
    team_id,
    cast(count(*) as {{ dbt.type_bigint() }}) as evaluations,
    cast(count(qa_score) as {{ dbt.type_bigint() }}) as scored_evaluations,
    cast(sum(qa_score) as double) as qa_score_sum,
    {{ service_ratio('sum(qa_score)', 'count(qa_score)') }} as qa_score_avg,
    {{ service_count_if("qa_band = 'excellent'") }} as excellent_count,
    {{ service_count_if("qa_band = 'good'") }} as good_count,
    {{ service_count_if("qa_band = 'pass'") }} as pass_count,
    {{ service_count_if("qa_band = 'fail'") }} as fail_count,
    {{ service_count_if('has_critical_fail') }} as critical_fail_count,
    {{ service_ratio(service_count_if('has_critical_fail'), 'count(*)') }} as critical_fail_rate
from {{ ref('fct_qa_evaluations') }}
group by evaluated_month, employee_id, team_id

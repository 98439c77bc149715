-- QA criterion KPIs per evaluation month, team, form version and criterion: how often a
-- criterion applies, the mean share of its max score achieved, and critical failures.
select
    evaluated_month as month,
    team_id,
    form_version,
    criterion_code,
    cast(count(*) as {{ dbt.type_bigint() }}) as items,
    {{ service_count_if('is_applicable') }} as applicable_items,
    {{ service_count_if('is_na') }} as na_items,
    cast(sum(score_ratio) as double) as score_ratio_sum,
    {{ service_ratio('sum(score_ratio)', service_count_if('is_applicable')) }} as score_ratio_avg,
    {{ service_count_if('is_critical_failed') }} as critical_failed_items,
    {{ service_ratio(service_count_if('is_critical_failed'), 'count(*)') }} as critical_fail_rate
from {{ ref('fct_qa_evaluation_items') }}
group by evaluated_month, team_id, form_version, criterion_code

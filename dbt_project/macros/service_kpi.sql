{#- Service-quality group: shared KPI arithmetic. -#}

{#- numerator / denominator as double, null when the denominator is 0 or null. -#}
{% macro service_ratio(numerator, denominator) -%}
    cast({{ numerator }} as double) / nullif(cast({{ denominator }} as double), 0)
{%- endmacro %}

{#- Count of rows where a boolean expression is true, as bigint. -#}
{% macro service_count_if(condition) -%}
    cast(sum(case when {{ condition }} then 1 else 0 end) as {{ dbt.type_bigint() }})
{%- endmacro %}

{#- Queue measures over offered call segments (fct_call_segments where is_offered). -#}
{% macro service_queue_measures() -%}
    cast(count(*) as {{ dbt.type_bigint() }}) as offered,
    {{ service_count_if('is_answered') }} as answered,
    {{ service_count_if('is_abandoned') }} as abandoned,
    {{ service_count_if('is_short_abandoned') }} as short_abandoned,
    {{ service_count_if('is_callback') }} as callbacks,
    {{ service_count_if('is_flowout') }} as flowouts,
    {{ service_count_if('is_answered_within_t') }} as answered_within_t,
    {{ service_count_if('is_abandoned_within_t') }} as abandoned_within_t,
    cast(sum(case when is_answered then wait_s else 0 end) as {{ dbt.type_bigint() }}) as answered_wait_s,
    {{ service_count_if('is_handled') }} as handled,
    {{ service_count_if('is_transferred') }} as transferred,
    cast(sum(case when is_handled then handle_s else 0 end) as {{ dbt.type_bigint() }}) as handle_s
{%- endmacro %}

{#- Queue KPIs from the measures above (domain.md definitions). -#}
{% macro service_queue_rates() -%}
    {{ service_ratio('answered_wait_s', 'answered') }} as asa_s,
    {{ service_ratio('answered_within_t', 'answered + abandoned') }} as sl_abandons_counted,
    {{ service_ratio('answered_within_t', 'answered + abandoned - short_abandoned') }} as sl_short_abandons_excluded,
    {{ service_ratio('answered_within_t + abandoned_within_t', 'answered + abandoned') }} as sl_abandons_within_t_met,
    {{ service_ratio('answered_within_t', 'answered') }} as sl_answered_only,
    {{ service_ratio('abandoned - short_abandoned', 'offered - short_abandoned') }} as abandon_rate,
    {{ service_ratio('handle_s', 'handled') }} as aht_s,
    {{ service_ratio('transferred', 'handled') }} as transfer_rate
{%- endmacro %}

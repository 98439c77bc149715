{#- Service-quality group: the incremental window of big facts. On incremental runs only, keep
    source rows with _business_date >= (var min_date, else the latest loaded business date)
    - lookback_days; a full refresh (or first run) reads everything, so it gives the same
    result as any sequence of incremental runs over the same raw layer. -#}
{% macro service_incremental_window(column='_business_date') -%}
    {%- if is_incremental() -%}
        {%- set lookback = var('lookback_days', 10) | int -%}
        {%- if var('min_date', none) -%}
    where {{ column }} >= {{ dbt.dateadd('day', -lookback, "cast('" ~ var('min_date') ~ "' as date)") }}
        {%- else -%}
    where {{ column }} >= (select {{ dbt.dateadd('day', -lookback, 'max(_business_date)') }} from {{ this }})
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- Half-hour interval start of a local timestamp (e.g. 09:47 -> 09:30). -#}
{% macro service_half_hour(ts_local) -%}
    {{ dbt.dateadd('minute', '30 * floor(extract(minute from ' ~ ts_local ~ ') / 30)', dbt.date_trunc('hour', ts_local)) }}
{%- endmacro %}

{#- The run's first business date: var('min_date') if given on the command line, else the
    CSQ_RUN_MIN_DATE environment variable Dagster sets for each partition range. The window
    travels as an env var, not as --vars: changing --vars forces dbt to re-parse the whole
    project on every run, while a changed env var only re-parses the few models using it. -#}
{% macro run_min_date() -%}
    {{ return(var('min_date', none) or env_var('CSQ_RUN_MIN_DATE', '') or none) }}
{%- endmacro %}

{#- Incremental window of the big facts on _business_date. On incremental runs only:
    re-process from the run's first date (run_min_date) minus lookback_days (late-arriving
    data), else from the newest loaded date minus lookback_days. A full refresh (or the first
    run) reads everything, so it equals any sequence of incremental runs over the same raw
    layer. -#}
{% macro incremental_window(column='_business_date') -%}
    {%- if is_incremental() -%}
        {%- set lookback = var('lookback_days', 10) | int -%}
        {%- set min_date = run_min_date() -%}
        {%- if min_date -%}
    where {{ column }} >= {{ dbt.dateadd('day', -lookback, "cast('" ~ min_date ~ "' as date)") }}
        {%- else -%}
    where {{ column }} >= (select {{ dbt.dateadd('day', -lookback, 'max(' ~ column ~ ')') }} from {{ this }})
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

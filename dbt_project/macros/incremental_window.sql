{#- The run's first business date: var('min_date') if given on the command line, else the
    CSQ_RUN_MIN_DATE environment variable Dagster sets for each partition range. The window
    travels as an env var, not as --vars: changing --vars forces dbt to re-parse the whole
    project on every run, while a changed env var only re-parses the few models using it. -#}
{% macro run_min_date() -%}
    {{ return(var('min_date', none) or env_var('CSQ_RUN_MIN_DATE', '') or none) }}
{%- endmacro %}

{#- SQL expression of the incremental window's first business date: the run's first date
    (run_min_date) minus lookback_days (late-arriving data), else the newest date already in
    this model ({{ this }}.this_column) minus lookback_days. Only valid in is_incremental(). -#}
{% macro incremental_start(this_column='_business_date') -%}
    {%- set lookback = var('lookback_days', 10) | int -%}
    {%- set min_date = run_min_date() -%}
    {%- if min_date -%}
        {{ dbt.dateadd('day', -lookback, "cast('" ~ min_date ~ "' as date)") }}
    {%- else -%}
        (select {{ dbt.dateadd('day', -lookback, 'max(' ~ this_column ~ ')') }} from {{ this }})
    {%- endif -%}
{%- endmacro %}

{#- Incremental window of the big facts on _business_date (a `where` clause, empty on a full
    refresh or the first run, which read everything and so equal any sequence of incremental
    runs over the same raw layer). column: the filtered relation's business-date column;
    this_column: the column of this model the fallback window starts from. -#}
{% macro incremental_window(column='_business_date', this_column=none) -%}
    {%- if is_incremental() -%}
    where {{ column }} >= {{ incremental_start(this_column or column) }}
    {%- endif -%}
{%- endmacro %}

{#- `and <column> in (<the dates an incremental run recomputes>)`; nothing on a full refresh.
    dates_cte: a CTE of the model with one `date` column. -#}
{% macro and_in_incremental_dates(column, dates_cte='affected_dates') -%}
    {%- if is_incremental() -%}
    and {{ column }} in (select {{ dates_cte }}.date from {{ dates_cte }})
    {%- endif -%}
{%- endmacro %}

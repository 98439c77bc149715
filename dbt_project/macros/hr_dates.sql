{#- Small portable date helpers of the HR group (dbt cross-database macros underneath).
    dbt.dateadd returns a timestamp on some adapters: these cast back to DATE. -#}

{% macro hr_date(literal) -%}
    {{ dbt.cast("'" ~ literal ~ "'", api.Column.translate_type('date')) }}
{%- endmacro %}

{#- The open end of a type-2 / validity period (exclusive valid_to). -#}
{% macro hr_open_end() -%}
    {{ hr_date('9999-12-31') }}
{%- endmacro %}

{% macro hr_add_days(days, date_expr) -%}
    {{ dbt.cast(dbt.dateadd('day', days, date_expr), api.Column.translate_type('date')) }}
{%- endmacro %}

{% macro hr_add_months(months, date_expr) -%}
    {{ dbt.cast(dbt.dateadd('month', months, date_expr), api.Column.translate_type('date')) }}
{%- endmacro %}

{% macro hr_month_start(date_expr) -%}
    {{ dbt.cast(dbt.date_trunc('month', date_expr), api.Column.translate_type('date')) }}
{%- endmacro %}

{#- Last day of the month that starts on month_start_expr. -#}
{% macro hr_month_end(month_start_expr) -%}
    {{ hr_add_days(-1, hr_add_months(1, month_start_expr)) }}
{%- endmacro %}

{#- Whole days from start to end (end - start). -#}
{% macro hr_days_between(start_expr, end_expr) -%}
    {{ dbt.datediff(start_expr, end_expr, 'day') }}
{%- endmacro %}

{#- Whole calendar months from the month of start to the month of end. -#}
{% macro hr_months_between(start_expr, end_expr) -%}
    {{ dbt.datediff(start_expr, end_expr, 'month') }}
{%- endmacro %}

{#- ISO day of week, 1 = Monday .. 7 = Sunday. -#}
{% macro hr_iso_day_of_week(date_expr) -%}
    {{ return(adapter.dispatch('hr_iso_day_of_week', 'csq_warehouse')(date_expr)) }}
{%- endmacro %}

{% macro default__hr_iso_day_of_week(date_expr) -%}
    extract(isodow from {{ date_expr }})
{%- endmacro %}

{% macro spark__hr_iso_day_of_week(date_expr) -%}
    ((dayofweek({{ date_expr }}) + 5) % 7 + 1)
{%- endmacro %}


{#- numerator / denominator as double; null when the denominator is 0 or null. -#}
{% macro hr_ratio(numerator, denominator, scale=1) -%}
    case when ({{ denominator }}) > 0 then {{ scale }} * {{ dbt.cast(numerator, "double") }} / ({{ denominator }}) end
{%- endmacro %}

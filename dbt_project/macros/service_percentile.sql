{#- Service-quality group: continuous percentile (p in 0..1) of expr as an aggregate.
    DuckDB: quantile_cont; default: ANSI percentile_cont ... within group. -#}
{% macro service_percentile(expr, p) -%}
    {{ return(adapter.dispatch('service_percentile', 'csq_warehouse')(expr, p)) }}
{%- endmacro %}

{% macro default__service_percentile(expr, p) -%}
    percentile_cont({{ p }}) within group (order by {{ expr }})
{%- endmacro %}

{% macro duckdb__service_percentile(expr, p) -%}
    quantile_cont({{ expr }}, {{ p }})
{%- endmacro %}

{% macro spark__service_percentile(expr, p) -%}
    percentile({{ expr }}, {{ p }})
{%- endmacro %}

{#- Salted HMAC-SHA256 of a PII value, as lowercase hex; null stays null.
    On DuckDB the temp macro csq_pseudonymise() is created on each dbt connection by the
    orchestration.lib.dbt_duckdb_plugin plugin, keyed with CSQ_PII_SALT. -#}
{% macro pseudonymise(column) -%}
    {{ return(adapter.dispatch('pseudonymise', 'csq_warehouse')(column)) }}
{%- endmacro %}

{% macro default__pseudonymise(column) -%}
    {{ exceptions.raise_compiler_error("pseudonymise() has no implementation for " ~ target.type) }}
{%- endmacro %}

{% macro duckdb__pseudonymise(column) -%}
    csq_pseudonymise({{ column }})
{%- endmacro %}

{#- On Spark, csq_pseudonymise() is the temporary SQL function csq-dbt registers on its
    session (orchestration/lib/spark_session.py), keyed with CSQ_PII_SALT: the same digest. -#}
{% macro spark__pseudonymise(column) -%}
    csq_pseudonymise(cast({{ column }} as string))
{%- endmacro %}

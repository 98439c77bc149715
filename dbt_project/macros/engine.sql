{#- Where the two engines (CSQ_ENGINE=duckdb | spark) need different SQL or configuration.
    Every model is the same file on both; these macros hold the differences. -#}

{#- The incremental facts' materialisation: `incremental` (delete+insert on the look-back
    window) on DuckDB; `table` on Spark, whose plain Parquet tables offer no merge (that
    needs Delta or Iceberg, whose jars come from Maven, not from PyPI). A full rebuild equals
    any sequence of incremental runs over the same raw layer (tests/test_dbt_incremental.py),
    so both engines publish the same marts. DECISIONLOG.md, "Spark engine". -#}
{% macro incremental_materialization() -%}
    {{- return('incremental' if target.type == 'duckdb' else 'table') -}}
{%- endmacro %}

{#- `not materialized`: DuckDB's hint to inline a CTE used more than once (it otherwise
    materialises it, costing memory); Spark's grammar has no such hint and inlines CTEs. -#}
{% macro cte_not_materialized() -%}
    {{- return(adapter.dispatch('cte_not_materialized', 'csq_warehouse')()) -}}
{%- endmacro %}

{% macro default__cte_not_materialized() -%}{%- endmacro %}

{% macro duckdb__cte_not_materialized() -%}not materialized{%- endmacro %}

{#- on-run-start: on Spark, register each raw source as an external Parquet table over the
    same lake files DuckDB reads (`<lake>/raw/<source>/<entity>/*/data.parquet`; a glob over
    the files, so no partition column is added, as with DuckDB's hive_partitioning = false).
    Dropped and re-created on every invocation (metadata only): new partitions and schema
    changes are seen at once. On DuckDB the sources' external_location does this. -#}
{% macro register_raw_sources() -%}
    {%- if target.type == 'spark' and execute -%}
        {%- set lake = env_var('CSQ_LAKE_DIR') -%}
        {%- set schemas = [] -%}
        {%- for node in graph.sources.values() -%}
            {%- if node.schema not in schemas -%}
                {%- do schemas.append(node.schema) -%}
                {%- do run_query('create schema if not exists ' ~ node.schema) -%}
            {%- endif -%}
            {%- set relation = node.schema ~ '.' ~ node.identifier -%}
            {%- do run_query('drop table if exists ' ~ relation) -%}
            {%- do run_query(
                "create table " ~ relation ~ " using parquet options (path '" ~ lake ~ "/raw/"
                ~ node.source_name ~ "/" ~ node.name ~ "/*/data.parquet')") -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}

{#- Seeds on Spark: dbt-spark 1.11's session method substitutes bindings as '<value>' without
    escaping, so a seed value with a quote (cn_calendar: "New Year's Day") breaks the insert.
    This is its spark__load_csv_rows with the values written as escaped literals instead. -#}
{% macro spark__load_csv_rows(model, agate_table) %}
  {%- set column_override = model['config'].get('column_types', {}) -%}
  {%- set statements = [] -%}
  {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
    {%- set sql -%}
      insert into {{ this.render() }} values
      {% for row in chunk -%}
        ({%- for col_name in agate_table.column_names -%}
          {%- set type = column_override.get(col_name, adapter.convert_type(agate_table, loop.index0)) -%}
          {%- set value = row[loop.index0] -%}
          cast({{ csq_sql_literal(value) }} as {{ type }})
          {%- if not loop.last %},{% endif -%}
        {%- endfor -%})
        {%- if not loop.last %},{% endif %}
      {% endfor %}
    {%- endset -%}
    {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
    {%- if loop.index0 == 0 -%}{%- do statements.append(sql) -%}{%- endif -%}
  {%- endfor -%}
  {{ return(statements[0]) }}
{% endmacro %}

{#- A Python value as a Spark SQL literal (backslash escapes, Spark's default). -#}
{% macro csq_sql_literal(value) -%}
  {%- if value is none -%}null
  {%- elif value is boolean -%}{{ 'true' if value else 'false' }}
  {%- elif value is number -%}{{ value }}
  {%- else -%}'{{ (value | string).replace('\\', '\\\\').replace("'", "\\'") }}'
  {%- endif -%}
{%- endmacro %}

{#- post-hook of the kpi marts: on Spark, whose Parquet tables cannot hold constraints
    (dbt-spark applies them to Delta only), check the contract's column constraints on the
    built table and fail the model when one is broken: `not_null` -> no nulls, `check` -> no
    row where the expression is false (nulls pass, as in a SQL CHECK). The model fails, so
    the run stops before publish and the BI file keeps the last good marts, as DuckDB's
    enforced constraints guarantee. Nothing on DuckDB, which enforces them while building. -#}
{% macro enforce_contract_constraints() -%}
    {%- if target.type != 'duckdb' and execute -%}
        {%- set broken = [] -%}
        {%- for column in model.columns.values() -%}
            {%- for constraint in column.constraints -%}
                {%- if constraint.type == 'not_null' -%}
                    {%- set condition = adapter.quote(column.name) ~ ' is null' -%}
                {%- elif constraint.type == 'check' -%}
                    {%- set condition = 'not (' ~ constraint.expression ~ ')' -%}
                {%- else -%}
                    {%- set condition = none -%}
                {%- endif -%}
                {%- if condition -%}
                    {%- set n = run_query('select count(*) from ' ~ this ~ ' where ' ~ condition).columns[0].values()[0] -%}
                    {%- if n > 0 -%}
                        {%- do broken.append(n ~ ' rows where ' ~ condition) -%}
                    {%- endif -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- if broken -%}
            {{ exceptions.raise_compiler_error(this ~ " breaks its contract's constraints: " ~ broken | join('; ')) }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- Service-quality group: time helpers (portable, via dbt cross-database macros). -#}

{#- Naive UTC timestamp -> naive Asia/Shanghai local timestamp (UTC+8, no DST since 1991). -#}
{% macro service_to_local(ts) -%}
    {{ dbt.dateadd('hour', 8, ts) }}
{%- endmacro %}

{#- Whole seconds from ts_from to ts_to (null if either is null). -#}
{% macro service_seconds_between(ts_from, ts_to) -%}
    {{ dbt.datediff(ts_from, ts_to, 'second') }}
{%- endmacro %}

{#- Cumulative business minutes of a LOCAL timestamp since 1970-01-01 with the contact centre
    open 08:00-22:00 every day (840 min a day): days * 840 + clamp(minute of day - 480, 0, 840).
    In double on both engines (a decimal literal such as 60.0 is DECIMAL on Spark, rounding
    quotients to 6 places).
    Business minutes between two local timestamps = difference of the two values. -#}
{% macro service_business_minute_index(ts_local) -%}
    (
        {{ dbt.datediff("cast('1970-01-01' as date)", 'cast(' ~ ts_local ~ ' as date)', 'day') }} * 840
        + least(
            greatest(
                {{ dbt.datediff('cast(cast(' ~ ts_local ~ ' as date) as timestamp)', ts_local, 'second') }}
                / cast(60 as double) - 480,
                0
            ),
            840
        )
    )
{%- endmacro %}

{% macro service_business_minutes(start_local, end_local) -%}
    case
        when {{ start_local }} is not null and {{ end_local }} is not null
            then {{ service_business_minute_index(end_local) }} - {{ service_business_minute_index(start_local) }}
    end
{%- endmacro %}

{#- Half-hour interval start of a local timestamp (e.g. 09:47 -> 09:30). -#}
{% macro service_half_hour(ts_local) -%}
    {{ dbt.dateadd('minute', '30 * floor(extract(minute from ' ~ ts_local ~ ') / 30)', dbt.date_trunc('hour', ts_local)) }}
{%- endmacro %}

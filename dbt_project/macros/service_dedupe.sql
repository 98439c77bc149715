{#- Service-quality group: delivery-aware deduplication helpers for staging. -#}

{#- Rank rows of the same key by delivery, newest first (events: the latest delivery wins;
    re-sent deliveries of the same business date are ordered by the manifest's generated_at). -#}
{% macro service_delivery_rank(key_columns, version_column=none) -%}
    row_number() over (
        partition by {{ key_columns | join(', ') }}
        order by
            {% if version_column %}{{ version_column }} desc,{% endif %}
            _business_date desc,
            _manifest_generated_at desc,
            _line_no desc
    )
{%- endmacro %}

{#- The rows of a snapshot entity delivered on the latest business date (latest re-send). -#}
{% macro service_latest_snapshot(relation) -%}
    select snap.*
    from {{ relation }} as snap
    inner join (
        select
            _business_date,
            max(_manifest_generated_at) as _manifest_generated_at
        from {{ relation }}
        where _business_date = (select max(_business_date) from {{ relation }})
        group by _business_date
    ) as latest
        on snap._business_date = latest._business_date
        and snap._manifest_generated_at = latest._manifest_generated_at
{%- endmacro %}

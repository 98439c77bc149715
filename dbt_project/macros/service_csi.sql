{#- Service-quality group: CSI constructs -> items (mirrors orchestration.contract.CSI_CONSTRUCTS;
    tests/test_dbt_service.py asserts they agree) and the 4-dimension rating labels. -#}
{% macro service_csi_constructs() -%}
    {{ return({
        'img': ['img_1', 'img_2', 'img_3'],
        'exp': ['exp_1', 'exp_2', 'exp_3'],
        'qual': ['qual_1', 'qual_2', 'qual_3', 'qual_4', 'qual_5'],
        'val': ['val_1', 'val_2'],
        'sat': ['sat_1', 'sat_2', 'sat_3'],
        'loy': ['loy_1', 'loy_2'],
    }) }}
{%- endmacro %}

{% macro service_rating_dimensions() -%}
    {{ return(['rating_product_service', 'rating_brand_image', 'rating_agent_attitude', 'rating_agent_efficiency']) }}
{%- endmacro %}

{#- The 4-dimension rating scale, best first (mirrors orchestration.contract.RATING_LABELS). -#}
{% macro service_rating_labels() -%}
    {{ return(['十分满意', '满意', '一般', '有待改善']) }}
{%- endmacro %}

{#- Weighted mean of the answered (non-null) items; null when none is answered. weights maps
    item -> weight (missing items weigh 1). -#}
{% macro service_weighted_mean(items, weights) -%}
    (
        {%- for item in items %}
        coalesce(cast({{ item }} as double) * {{ weights.get(item, 1) }}, 0.0){{ ' +' if not loop.last }}
        {%- endfor %}
    ) / nullif(
        {%- for item in items %}
        (case when {{ item }} is not null then {{ weights.get(item, 1) }} else 0 end){{ ' +' if not loop.last }}
        {%- endfor %},
        0
    )
{%- endmacro %}

-- CSI per wave and product line (plus product_line = 'all'): per construct, the index
-- 100 * (mean respondent score - 1) / 9 over respondents who answered the construct.
{%- set constructs = {'img': 'image', 'exp': 'expectation', 'qual': 'perceived_quality',
                      'val': 'perceived_value', 'sat': 'satisfaction', 'loy': 'loyalty'} %}
with responses as (
    select
        wave,
        product_line,
        {%- for code in constructs %}
            {{ code }}_score,
        {%- endfor %}
        has_complained
    from {{ ref('fct_csi_responses') }}
),

scoped as (
    select * from responses
    union all
    select
        wave,
        'all' as product_line,
        {%- for code in constructs %}
            {{ code }}_score,
        {%- endfor %}
        has_complained
    from responses
)

select
    wave,
    product_line,
    cast(count(*) as {{ dbt.type_bigint() }}) as n,
    {%- for code, name in constructs.items() %}
        cast(count({{ code }}_score) as {{ dbt.type_bigint() }}) as {{ name }}_n,
        100.0 * ({{ service_ratio('sum(' ~ code ~ '_score)', 'count(' ~ code ~ '_score)') }} - 1.0) / 9.0 as {{ name }},
    {%- endfor %}
    cast(count(has_complained) as {{ dbt.type_bigint() }}) as complaint_n,
    {{ service_count_if('has_complained') }} as complained,
    {{ service_ratio(service_count_if('has_complained'), 'count(has_complained)') }} as complaint_rate
from scoped
group by wave, product_line

-- Distribution of the 4-dimension rating (十分满意 / 满意 / 一般 / 有待改善) per CSI wave and
-- dimension: every label is listed (n = 0 when unused); top2_share = share of 十分满意 + 满意.
{%- set labels = service_rating_labels() %}
with ratings as (
    {%- for dim in service_rating_dimensions() %}
        select
            wave,
            '{{ dim | replace("rating_", "") }}' as dimension,
            {{ dim }} as rating
        from {{ ref('fct_csi_responses') }}
        where {{ dim }} is not null
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

labels as (
    {%- for label in labels %}
        select
            '{{ label }}' as rating,
            {{ loop.index }} as rating_order
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

grid as (
    select
        dims.wave,
        dims.dimension,
        labels.rating,
        labels.rating_order
    from (
        select distinct
            wave,
            dimension
        from ratings
    ) as dims
    cross join labels
),

counts as (
    select
        wave,
        dimension,
        rating,
        count(*) as n
    from ratings
    group by wave, dimension, rating
),

totals as (
    select
        wave,
        dimension,
        count(*) as dimension_n,
        sum(case when rating in ('{{ labels[0] }}', '{{ labels[1] }}') then 1 else 0 end) as top2_n
    from ratings
    group by wave, dimension
)

select
    grid.wave,
    grid.dimension,
    grid.rating,
    cast(grid.rating_order as {{ dbt.type_bigint() }}) as rating_order,
    cast(coalesce(counts.n, 0) as {{ dbt.type_bigint() }}) as n,
    cast(totals.dimension_n as {{ dbt.type_bigint() }}) as dimension_n,
    {{ service_ratio('coalesce(counts.n, 0)', 'totals.dimension_n') }} as share,
    {{ service_ratio('totals.top2_n', 'totals.dimension_n') }} as top2_share
from grid
inner join totals
    on grid.wave = totals.wave and grid.dimension = totals.dimension
left join counts
    on grid.wave = counts.wave and grid.dimension = counts.dimension and grid.rating = counts.rating

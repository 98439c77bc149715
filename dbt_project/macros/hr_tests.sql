{#- HR / retention group: generic data tests. -#}

{#- Validity periods [valid_from, valid_to) of the same entity never overlap and are non-empty. -#}
{% test hr_no_overlapping_periods(model, partition_by, valid_from='valid_from', valid_to='valid_to') %}
    with ordered as (
        select
            {{ partition_by }} as entity_key,
            {{ valid_from }} as period_from,
            {{ valid_to }} as period_to,
            lead({{ valid_from }}) over (
                partition by {{ partition_by }} order by {{ valid_from }}
            ) as next_from
        from {{ model }}
    )
    select *
    from ordered
    where period_to <= period_from or (next_from is not null and next_from < period_to)
{% endtest %}

{#- A count of rows pointing at the unknown member ('-1') stays at or below max_share of all rows
    (warn-level by default: unknown members are counted, never dropped). -#}
{% test hr_unknown_member_share(model, column_name, max_share=0.05) %}
    select
        sum(case when {{ column_name }} = '-1' then 1 else 0 end) as unknown_rows,
        count(*) as all_rows
    from {{ model }}
    having sum(case when {{ column_name }} = '-1' then 1 else 0 end) > {{ max_share }} * count(*)
{% endtest %}

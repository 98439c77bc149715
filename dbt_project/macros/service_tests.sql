{#- Service-quality group: generic data tests. -#}

{#- The combination of columns is unique (the declared grain of a model). -#}
{% test service_unique_combination(model, columns) %}
    select
        {{ columns | join(', ') }},
        count(*) as rows_per_key
    from {{ model }}
    group by {{ columns | join(', ') }}
    having count(*) > 1
{% endtest %}

{#- Values lie in [min_value, max_value] (nulls pass). -#}
{% test service_between(model, column_name, min_value, max_value) %}
    select {{ column_name }}
    from {{ model }}
    where {{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }}
{% endtest %}

{#- Unknown-member guard: fails (use severity warn) when more than max_share of the rows meet
    the condition (e.g. is_login_orphan, employee_id = '-1'); returns the count and share. -#}
{% test service_max_share(model, condition, max_share) %}
    select
        count(*) as rows_total,
        sum(case when {{ condition }} then 1 else 0 end) as rows_matching,
        cast(sum(case when {{ condition }} then 1 else 0 end) as double) / count(*) as share
    from {{ model }}
    having cast(sum(case when {{ condition }} then 1 else 0 end) as double) / count(*) > {{ max_share }}
{% endtest %}

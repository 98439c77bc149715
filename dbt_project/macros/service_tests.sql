{#- Service-quality group: generic data tests. -#}

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

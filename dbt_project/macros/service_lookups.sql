{#- Service-quality group: type-2 lookups of the dimension version valid at a local date.
    A miss never drops the fact row: it points at the '-1' member. -#}

{% macro service_join_employee(alias, employee_id_expr, date_expr) -%}
    left join {{ ref('dim_employee') }} as {{ alias }}
        on {{ employee_id_expr }} = {{ alias }}.employee_id
        and {{ alias }}.valid_from <= {{ date_expr }}
        and {{ date_expr }} < {{ alias }}.valid_to
{%- endmacro %}

{% macro service_employee_columns(alias) -%}
    coalesce({{ alias }}.employee_sk, '-1') as employee_sk,
    coalesce({{ alias }}.employee_id, '-1') as employee_id,
    case when {{ alias }}.employee_sk is null then '-1' else coalesce({{ alias }}.team_id, '-1') end as team_id
{%- endmacro %}

{% macro service_join_customer(alias, customer_id_expr, date_expr) -%}
    left join {{ ref('dim_customer') }} as {{ alias }}
        on {{ customer_id_expr }} = {{ alias }}.customer_id
        and {{ alias }}.valid_from <= {{ date_expr }}
        and {{ date_expr }} < {{ alias }}.valid_to
{%- endmacro %}

{#- The employee_id behind a CTI login on a local date (logins are recycled). -#}
{% macro service_join_login(alias, login_expr, date_expr) -%}
    left join {{ ref('int_agent_login_map') }} as {{ alias }}
        on {{ login_expr }} = {{ alias }}.agent_login
        and {{ alias }}.valid_from <= {{ date_expr }}
        and {{ date_expr }} < {{ alias }}.valid_to
{%- endmacro %}

-- One row per post-contact survey response, attributed to the contact's local date, channel and
-- agent (calls: the last handled segment of the call). When the contact is unknown to the
-- warehouse, the response falls back to the local date it was sent and to the survey's own
-- agent_id (is_contact_matched = false).
with responses as (
    select * from {{ ref('stg_survey__post_contact') }}
),

ranked_contacts as (
    select
        *,
        row_number() over (
            partition by contact_type, contact_id
            order by coalesce(segment_no, 0) desc
        ) as contact_rank
    from {{ ref('fct_contacts') }}
),

contacts as (
    select * from ranked_contacts
    where contact_rank = 1
),

attributed as (
    select
        responses.*,
        contacts.contact_id as matched_contact_id,
        contacts.channel as contact_channel,
        contacts.employee_sk as contact_employee_sk,
        contacts.employee_id as contact_employee_id,
        contacts.team_id as contact_team_id,
        coalesce(contacts.contact_date, cast(responses.sent_at_local as date)) as contact_date
    from responses
    left join contacts
        on responses.contact_type = contacts.contact_type
            and responses.contact_id = contacts.contact_id
)

select
    attributed.response_id,
    attributed.contact_type,
    attributed.contact_id,
    attributed.matched_contact_id is not null as is_contact_matched,
    attributed.contact_date,
    cast({{ dbt.date_trunc('month', 'attributed.contact_date') }} as date) as contact_month,
    coalesce(
        attributed.contact_channel,
        case attributed.contact_type when 'call' then 'phone' when 'chat' then 'chat' end,
        'unknown'
    ) as channel,
    case
        when attributed.matched_contact_id is not null then attributed.contact_employee_sk
        else coalesce(employee.employee_sk, '-1')
    end as employee_sk,
    case
        when attributed.matched_contact_id is not null then attributed.contact_employee_id
        else coalesce(employee.employee_id, '-1')
    end as employee_id,
    case
        when attributed.matched_contact_id is not null then attributed.contact_team_id
        when employee.employee_sk is null then '-1'
        else coalesce(employee.team_id, '-1')
    end as team_id,
    coalesce(attributed.customer_id, '-1') as customer_key,
    attributed.sent_at,
    attributed.responded_at,
    attributed.csat,
    attributed.nps,
    attributed.ces,
    case when attributed.csat >= 4 then true when attributed.csat is not null then false end as is_csat_top2,
    case when attributed.nps >= 9 then true when attributed.nps is not null then false end as is_promoter,
    case when attributed.nps <= 6 then true when attributed.nps is not null then false end as is_detractor,
    attributed.resolved_first_contact as is_resolved_first_contact,
    attributed._business_date
from attributed
{{ service_join_employee('employee', 'attributed.agent_id', 'attributed.contact_date') }}

-- Customer-experience KPIs per contact month, team and channel: survey figures attributed to
-- the contact's month / agent team, repeat-contact FCR and complaint rate over handled contacts.
{%- set complaint_sources = ['internal', 'hotline_10086', 'regulator', 'consumer_assoc'] %}
with surveys as (
    select
        contact_month as month,
        team_id,
        channel,
        cast(count(*) as {{ dbt.type_bigint() }}) as responses,
        cast(count(csat) as {{ dbt.type_bigint() }}) as csat_n,
        {{ service_count_if('is_csat_top2') }} as csat_top2,
        cast(count(nps) as {{ dbt.type_bigint() }}) as nps_n,
        {{ service_count_if('is_promoter') }} as promoters,
        {{ service_count_if('is_detractor') }} as detractors,
        cast(count(ces) as {{ dbt.type_bigint() }}) as ces_n,
        cast(sum(ces) as {{ dbt.type_bigint() }}) as ces_sum,
        cast(count(is_resolved_first_contact) as {{ dbt.type_bigint() }}) as fcr_survey_n,
        {{ service_count_if('is_resolved_first_contact') }} as fcr_survey_yes
    from {{ ref('fct_survey_responses') }}
    group by contact_month, team_id, channel
),

contacts as (
    select
        contact_month as month,
        team_id,
        channel,
        cast(count(*) as {{ dbt.type_bigint() }}) as contacts_handled,
        {{ service_count_if('has_known_customer') }} as fcr_repeat_n,
        {{ service_count_if('has_known_customer and has_repeat_7d') }} as repeat_7d_contacts,
        {{ service_count_if('has_known_customer and not is_repeat_window_complete') }}
            as fcr_repeat_immature_contacts
    from {{ ref('fct_contacts') }}
    group by contact_month, team_id, channel
),

complaints as (
    select
        created_month as month,
        team_id,
        channel,
        {{ service_count_if('is_complaint') }} as complaints,
    {%- for source in complaint_sources %}
        {{ service_count_if("is_complaint and complaint_source = '" ~ source ~ "'") }} as complaints_{{ source }}
        {{- "," if not loop.last }}
    {%- endfor %}
    from {{ ref('fct_tickets') }}
    group by created_month, team_id, channel
),

keys as (
    select
        month,
        team_id,
        channel
    from surveys
    union
    select
        month,
        team_id,
        channel
    from contacts
    union
    select
        month,
        team_id,
        channel
    from complaints
),

joined as (
    select
        keys.month,
        keys.team_id,
        keys.channel,
        coalesce(surveys.responses, 0) as responses,
        coalesce(surveys.csat_n, 0) as csat_n,
        coalesce(surveys.csat_top2, 0) as csat_top2,
        coalesce(surveys.nps_n, 0) as nps_n,
        coalesce(surveys.promoters, 0) as promoters,
        coalesce(surveys.detractors, 0) as detractors,
        coalesce(surveys.ces_n, 0) as ces_n,
        coalesce(surveys.ces_sum, 0) as ces_sum,
        coalesce(surveys.fcr_survey_n, 0) as fcr_survey_n,
        coalesce(surveys.fcr_survey_yes, 0) as fcr_survey_yes,
        coalesce(contacts.contacts_handled, 0) as contacts_handled,
        coalesce(contacts.fcr_repeat_n, 0) as fcr_repeat_n,
        coalesce(contacts.repeat_7d_contacts, 0) as repeat_7d_contacts,
        coalesce(contacts.fcr_repeat_immature_contacts, 0) as fcr_repeat_immature_contacts,
        coalesce(complaints.complaints, 0) as complaints,
        {%- for source in complaint_sources %}
            coalesce(complaints.complaints_{{ source }}, 0) as complaints_{{ source }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from keys
    left join surveys
        on keys.month = surveys.month and keys.team_id = surveys.team_id and keys.channel = surveys.channel
    left join contacts
        on keys.month = contacts.month and keys.team_id = contacts.team_id and keys.channel = contacts.channel
    left join complaints
        on keys.month = complaints.month and keys.team_id = complaints.team_id
            and keys.channel = complaints.channel
)

select
    month,
    team_id,
    channel,
    responses,
    csat_n,
    csat_top2,
    {{ service_ratio('csat_top2', 'csat_n') }} as csat_top2_rate,
    nps_n,
    promoters,
    detractors,
    100.0 * {{ service_ratio('promoters - detractors', 'nps_n') }} as nps,
    ces_n,
    ces_sum,
    {{ service_ratio('ces_sum', 'ces_n') }} as ces_avg,
    fcr_survey_n,
    fcr_survey_yes,
    {{ service_ratio('fcr_survey_yes', 'fcr_survey_n') }} as fcr_survey_rate,
    fcr_repeat_n,
    repeat_7d_contacts,
    1.0 - {{ service_ratio('repeat_7d_contacts', 'fcr_repeat_n') }} as fcr_repeat_7d_rate,
    fcr_repeat_immature_contacts,
    coalesce(fcr_repeat_immature_contacts > 0, false) as fcr_repeat_immature,
    contacts_handled,
    complaints,
    {%- for source in complaint_sources %}
        complaints_{{ source }},
    {%- endfor %}
    {{ service_ratio('complaints', 'contacts_handled') }} as complaint_rate
from joined

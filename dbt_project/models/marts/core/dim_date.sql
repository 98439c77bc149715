-- Calendar 2018-01-01 .. 2030-12-31 with Chinese public holidays and adjusted working days
-- (调休) from the cn_calendar seed (chinesecalendar). Days beyond the seed have
-- has_official_calendar = false and fall back to Mon-Fri working days.
with

spine as (
    {{ dbt.date_spine('day', hr_date('2018-01-01'), hr_date('2031-01-01')) }}
),

days as (
    select {{ dbt.cast('date_day', api.Column.translate_type('date')) }} as date_day
    from spine
),

calendar as (
    select * from {{ ref('cn_calendar') }}
),

enriched as (
    select
        days.date_day,
        {{ hr_iso_day_of_week('days.date_day') }} as day_of_week,
        calendar.calendar_date is not null as has_official_calendar,
        coalesce(calendar.is_holiday, false) as is_holiday,
        calendar.holiday_name,
        coalesce(calendar.is_adjusted_working_day, false) as is_adjusted_working_day
    from days
    left join calendar on days.date_day = calendar.calendar_date
)

select
    date_day,
    {{ hr_month_start('date_day') }} as month_start,
    {{ dbt.cast("extract(year from date_day)", dbt.type_int()) }} as year,
    {{ dbt.cast("extract(month from date_day)", dbt.type_int()) }} as month,
    day_of_week,
    coalesce(day_of_week >= 6, false) as is_weekend,
    is_holiday,
    case
        when is_adjusted_working_day then true
        when is_holiday then false
        when day_of_week >= 6 then false
        else true
    end as is_working_day,
    is_adjusted_working_day,
    holiday_name,
    has_official_calendar
from enriched

{#-
    agreement_intervals (macros/stats/agreement_intervals.sql) on cases worked by hand.
    g1: two raters, three items: i1 (a, a), i2 (a, b), i3 (b, b).
      AC1: n = n2 = 3, q = 2, pa_i = 1, 0, 1, p_a = 2/3; pi_a = (1 + 1/2 + 0)/3 = 1/2,
      pi_b = 1/2, p_e = (1/4 + 1/4)/1 = 1/2; AC1 = (2/3 - 1/2)/(1/2) = 1/3.
      a_i = 2 pa_i - 1 = 1, -1, 1; e_i = 1/2 for every item (e_i - p_e = 0), so x_i = a_i;
      se^2 = ((2/3)^2 + (4/3)^2 + (2/3)^2) / (3 x 2) = 4/9, se = 2/3.
      alpha: r_bar = 2, eps = 1/6, pa' = 2/3, pi = 1/2, 1/2, p_e = 1/2, alpha' = 1/3,
      pa = (5/6)(2/3) + 1/6 = 13/18, alpha = 4/9 (Krippendorff's alpha of this table);
      alpha_i = 1, -1, 1, e_i - p_e = 0: se^2 = 4/9 again, se = 2/3.
      t(0.975, 2) = 0.95 / sqrt(2 x 0.975 x 0.025) = 4.302652729749464.
    g2: i1 (a, a), i2 (a, a): one label, so AC1 is null (q < 2) and the alpha se is null
      (p_e = 1).
    g3: i1 (a, b) and i2 (a) rated once: n = 2 items for AC1 (n2 = 1), one pairable item
      for alpha (fewer than two: its se is null). AC1: pa = 0, pi_a = (1/2 + 1)/2 = 3/4,
      pi_b = 1/4, p_e = 2 (3/4)(1/4) = 3/8, AC1 = (0 - 3/8)/(5/8) = -3/5.
      a_i = 2 (0 - 3/8)/(5/8) = -6/5 and 0 (i2 has one rating: no p_e term);
      e_i = (1/4 + 3/4)/2 = 1/2 and (1/4)/1 = 1/4; x_i = a_i - 2 (8/5)(e_i - 3/8)/(5/8)
      = -46/25 and 16/25, deviations from -15/25: -31/25 and 31/25;
      se^2 = 2 (31/25)^2 / (2 x 1), se = 31/25 = 1.24. t(0.975, 1) = cot(0.025 pi).
    Tolerance 1e-12. Returns failing rows.
-#}
with

label_counts (grp, unit, label, label_ratings, unit_ratings) as (
    values
    ('g1', 'i1', 'a', 2, 2),
    ('g1', 'i2', 'a', 1, 2),
    ('g1', 'i2', 'b', 1, 2),
    ('g1', 'i3', 'b', 2, 2),
    ('g2', 'i1', 'a', 2, 2),
    ('g2', 'i2', 'a', 2, 2),
    ('g3', 'i1', 'a', 1, 2),
    ('g3', 'i1', 'b', 1, 2),
    ('g3', 'i2', 'a', 1, 1)
),

expected (grp, gwet_items, ac1, ac1_se, alpha_items, alpha_se, t975_gwet) as (
    values
    ('g1', 3, 1.0 / 3, 2.0 / 3, 3, 2.0 / 3, 4.302652729749464),
    ('g2', 2, null, null, 2, null, 12.706204736174705),
    ('g3', 2, -0.6, 1.24, 1, null, 12.706204736174705)
),

computed as (
    {{ agreement_intervals('label_counts', ['grp'], 'unit') }}
)

select *
from expected
full outer join computed using (grp)
where
    computed.gwet_items is distinct from expected.gwet_items
    or computed.alpha_items is distinct from expected.alpha_items
    or (computed.gwet_ac1 is null) != (expected.ac1 is null)
    or abs(computed.gwet_ac1 - expected.ac1) > 1e-12
    or (computed.gwet_ac1_se is null) != (expected.ac1_se is null)
    or abs(computed.gwet_ac1_se - expected.ac1_se) > 1e-12
    or (computed.krippendorff_alpha_se is null) != (expected.alpha_se is null)
    or abs(computed.krippendorff_alpha_se - expected.alpha_se) > 1e-12
    or abs(computed.t975_gwet - expected.t975_gwet) > 1e-12

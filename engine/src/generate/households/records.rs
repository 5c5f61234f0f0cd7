//! The records that hang off one household: its assignment history, its visits, its
//! payments and its requests, with the planted findings among them.

use super::*;
use crate::ingest::schema::{CATEGORIES, SOURCES};

impl<'a> Households<'a> {
    /// The assignment history of a household of union `g` filed on `filed` with exit
    /// date `x`: one contact of the union, replaced when the contact leaves (except
    /// where A3 is planted), occasionally reassigned, with a planted gap (A1) or
    /// overlap (A2) for about 0.7% of households each.
    pub(super) fn assignments(
        &mut self,
        rng: &mut Rng,
        g: usize,
        filed: i32,
        x: Option<i32>,
    ) -> Vec<Seg> {
        #[derive(PartialEq)]
        enum Event {
            Reassign,
            Gap,
            Overlap,
        }
        let tree = self.tree;
        let cs = &tree.unions[g].contacts;
        let pick = |rng: &mut Rng, d: i32, not: Option<usize>| -> usize {
            let ok: Vec<usize> = cs
                .iter()
                .copied()
                .filter(|&c| Some(c) != not && tree.contacts[c].available(d))
                .collect();
            if ok.is_empty() {
                cs.iter()
                    .copied()
                    .find(|&c| Some(c) != not)
                    .unwrap_or(cs[0])
            } else {
                rng.pick(&ok)
            }
        };
        let end = x.unwrap_or(END);
        let mut event = None;
        if filed + 60 <= end - 200 {
            let d = rand_day(rng, filed + 60, end - 200);
            if self.plan.want(Rule::A1, rng, 0.007) {
                event = Some((Event::Gap, d));
            } else if self.plan.want(Rule::A2, rng, 0.007) {
                event = Some((Event::Overlap, d));
            } else if rng.chance(0.03) {
                event = Some((Event::Reassign, d));
            }
        }
        let mut segs = Vec::with_capacity(2);
        let mut cur = pick(rng, filed, None);
        let mut from = filed;
        loop {
            let leave = tree.contacts[cur].left.filter(|&l| l > from && l <= end);
            let ev_day = event.as_ref().map(|e| e.1);
            if let Some(l) = leave.filter(|&l| ev_day.is_none_or(|d| l <= d)) {
                if self.plan.want(Rule::A3, rng, 0.15) {
                    self.plan.mark(Rule::A3);
                    segs.push(Seg {
                        c: cur,
                        from,
                        to: x,
                    });
                    break;
                }
                segs.push(Seg {
                    c: cur,
                    from,
                    to: Some(l - 1),
                });
                cur = pick(rng, l, Some(cur));
                from = l;
                continue;
            }
            if let Some((kind, d)) = event.take() {
                if d <= from {
                    continue;
                }
                match kind {
                    Event::Reassign => {
                        segs.push(Seg {
                            c: cur,
                            from,
                            to: Some(d - 1),
                        });
                        cur = pick(rng, d, Some(cur));
                        from = d;
                    }
                    Event::Gap => {
                        self.plan.mark(Rule::A1);
                        segs.push(Seg {
                            c: cur,
                            from,
                            to: Some(d - 1),
                        });
                        from = d + rng.range(100, 200) as i32;
                        cur = pick(rng, from, Some(cur));
                    }
                    Event::Overlap => {
                        let next = pick(rng, d, Some(cur));
                        if next == cur {
                            segs.push(Seg {
                                c: cur,
                                from,
                                to: x,
                            });
                            break;
                        }
                        self.plan.mark(Rule::A2);
                        segs.push(Seg {
                            c: cur,
                            from,
                            to: Some(d + rng.range(100, 180) as i32),
                        });
                        cur = next;
                        from = d;
                    }
                }
                continue;
            }
            segs.push(Seg {
                c: cur,
                from,
                to: x,
            });
            break;
        }
        segs
    }

    /// The visit of one quarter, between `lo` and `hi`: about 5% missed, about 5%
    /// without valid evidence, 1% by a contact not assigned to the household (V5).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn visit(
        &mut self,
        out: &mut Archive,
        rng: &mut Rng,
        block: &mut Block,
        hid: &str,
        segs: &[Seg],
        lo: i32,
        hi: i32,
    ) -> Result<()> {
        let tree = self.tree;
        let missed = rng.chance(0.05);
        let mut d = rand_day(rng, lo, hi);
        let mut crammed = false;
        if let Some((c4, d4)) = block.v4 {
            if lo <= d4 && d4 <= hi && assigned(segs, d4) == Some(c4) {
                d = d4;
                crammed = true;
            }
        }
        if missed && !crammed {
            return Ok(());
        }
        let Some(mut c) = assigned(segs, d) else {
            return Ok(());
        };
        if !crammed && self.plan.want(Rule::V5, rng, 0.01) {
            let u = &tree.unions[block.union];
            let others: Vec<usize> = u.contacts.iter().copied().filter(|&o| o != c).collect();
            c = if others.is_empty() {
                rng.pick(&tree.unions[u.county].contacts)
            } else {
                rng.pick(&others)
            };
            self.plan.mark(Rule::V5);
        }
        let (mut photos, mut videos) = (
            rng.range(1, 6),
            if rng.chance(0.3) { rng.range(1, 2) } else { 0 },
        );
        let mut uploaded = Some(
            d + if rng.chance(0.9) {
                rng.range(0, 10)
            } else {
                rng.range(11, 30)
            } as i32,
        );
        if !crammed {
            let r = rng.unit();
            if r < 0.02 {
                (photos, videos, uploaded) = (0, 0, None);
            } else if r < 0.04 {
                uploaded = Some(d + rng.range(31, 90) as i32);
            } else if r < 0.05 {
                uploaded = None;
            }
        }
        let uploaded = uploaded.filter(|&u| u <= END);
        if crammed {
            block.v4_visits += 1;
        }
        let note = rng.chance(0.6).then(|| rng.pick(names::VISIT_NOTES));
        let id = Self::next_id(&mut self.seq.visit, 'V', 9);
        out.row(
            T::Visits,
            &[
                V::S(&id),
                V::S(hid),
                V::S(&tree.contacts[c].id),
                V::Date(d),
                V::Int(photos),
                V::Int(videos),
                V::date(uploaded),
                note.map_or(V::Null, V::S),
            ],
        )
    }

    /// One payment on day `d`, with the planted F1 (unknown household), F2 (a duplicate
    /// within 30 days) and F3 (approved after payment, or never) at about 0.3–1%.
    pub(super) fn payment(
        &mut self,
        out: &mut Archive,
        rng: &mut Rng,
        g: usize,
        hid: &str,
        d: i32,
    ) -> Result<()> {
        let tree = self.tree;
        let u = &tree.unions[g];
        let payer = match rng.weighted(&[70, 15, 15]) {
            0 => u.county,
            1 => u.upper,
            _ => g,
        };
        let category = CATEGORIES[rng.weighted(&CATEGORY_WEIGHTS)];
        let source = SOURCES[rng.weighted(&SOURCE_WEIGHTS)];
        let cents = amount(rng, category);
        let mut approved = Some(d - rng.range(0, 20) as i32);
        if self.plan.want(Rule::F3, rng, 0.01) {
            self.plan.mark(Rule::F3);
            approved = if rng.chance(0.4) {
                None
            } else {
                Some(d + rng.range(1, 30) as i32)
            };
        }
        let mut household = Some(hid.to_string());
        if self.plan.want(Rule::F1, rng, 0.003) {
            self.plan.mark(Rule::F1);
            household = if rng.chance(0.2) {
                None
            } else {
                Some(format!("HX{:08}", rng.below(100_000_000)))
            };
        }
        let duplicate =
            household.is_some() && d + 20 <= END && self.plan.want(Rule::F2, rng, 0.005);
        let payer_id = &tree.unions[payer].id;
        let mut row = |seq: &mut Seq, paid: i32, approved: Option<i32>| {
            let id = Self::next_id(&mut seq.payment, 'P', 9);
            out.row(
                T::Disbursements,
                &[
                    V::S(&id),
                    V::S(payer_id),
                    household.as_deref().map_or(V::Null, V::S),
                    V::S(category),
                    V::Money(cents),
                    V::Date(paid),
                    V::date(approved),
                    V::S(source),
                ],
            )
        };
        row(&mut self.seq, d, approved)?;
        if duplicate {
            self.plan.mark(Rule::F2);
            let again = d + rng.range(0, 20) as i32;
            row(&mut self.seq, again, Some(again - rng.range(0, 5) as i32))?;
        }
        Ok(())
    }

    /// A request raised between `lo` and `hi` (in a quarter ending `pe`): resolved
    /// within a week mostly; R1 (open at a quarter end after 7 days) about 1.5%, R2
    /// (open more than 30 days, or never resolved) about 1%.
    pub(super) fn request(
        &mut self,
        out: &mut Archive,
        rng: &mut Rng,
        hid: &str,
        lo: i32,
        hi: i32,
        pe: i32,
    ) -> Result<()> {
        let mut raised = rand_day(rng, lo, hi);
        let resolved = if raised + 30 <= END && self.plan.want(Rule::R2, rng, 0.01) {
            if rng.chance(0.5) {
                self.plan.mark(Rule::R2);
                None
            } else {
                Some(raised + rng.range(31, 120) as i32)
            }
        } else if pe + 5 <= END
            && (pe - 25).max(lo) <= (pe - 7).min(hi)
            && self.plan.want(Rule::R1, rng, 0.015)
        {
            self.plan.mark(Rule::R1);
            raised = rand_day(rng, (pe - 25).max(lo), (pe - 7).min(hi));
            Some(pe + rng.range(1, 4) as i32)
        } else {
            Some(raised + rng.range(0, 7) as i32)
        };
        let resolved = resolved.filter(|&r| r <= END);
        let kind = rng.chance(0.9).then(|| rng.pick(names::REQUEST_KINDS));
        let id = Self::next_id(&mut self.seq.request, 'R', 8);
        out.row(
            T::Requests,
            &[
                V::S(&id),
                V::S(hid),
                V::Date(raised),
                kind.map_or(V::Null, V::S),
                V::date(resolved),
            ],
        )
    }
}

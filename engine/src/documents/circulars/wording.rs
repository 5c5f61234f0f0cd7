//! The Chinese of a circular: its title, opening and requirements (整改要求).

use super::Kind;
use crate::documents::text;
use crate::sql::Period;

/// The Chinese of one circular.
pub(super) struct CircularText<'a> {
    pub(super) quarter: &'a Period,
    pub(super) union_name: &'a str,
    pub(super) you: &'a str,
    pub(super) count: usize,
    pub(super) overdue: usize,
    pub(super) issuer: &'a str,
    pub(super) deadline: &'a str,
    /// The department that receives the correction reports ([`crate::documents::settings::DocumentConfig::department`]).
    pub(super) department: &'a str,
}

impl CircularText<'_> {
    pub(super) fn title(&self, kind: Kind) -> String {
        self.title_lines(kind).concat()
    }

    /// The title in phrases, broken between them ([`text::title_lines`]).
    pub(super) fn title_lines(&self, kind: Kind) -> Vec<String> {
        let q = self.quarter.chinese();
        match kind {
            Kind::Prompt => text::title_lines(&[
                "关于",
                self.union_name,
                &q,
                "困难职工联系人制度",
                "落实问题整改的通知",
            ]),
            Kind::Criticism => text::title_lines(&[
                "关于对",
                self.union_name,
                &q,
                "困难职工联系人制度",
                "落实问题的通报",
            ]),
        }
    }

    /// The opening: basis and purpose, the facts in one sentence, what follows.
    pub(super) fn intro(&self, kind: Kind) -> String {
        let q = self.quarter.chinese();
        let n = self.count;
        match kind {
            Kind::Prompt => format!(
                "为落实《关于建立健全困难职工联系人制度的意见》关于“定期考核、验收通报”的要求，{}对{q}各级工会困难职工联系人制度落实情况进行了审查。经审查，{}存在重大问题{n}个。现将有关问题和整改要求通知如下：",
                self.issuer, self.you
            ),
            Kind::Criticism if self.overdue > 0 => format!(
                "为落实《关于建立健全困难职工联系人制度的意见》关于“完善纠错问责制度”的要求，根据{q}困难职工联系人制度落实情况审查结果，{}存在重大问题{n}个，其中上季度重大问题逾期未整改{}个。为严肃纪律、推动整改，决定对{}予以通报批评。现将有关情况通报如下：",
                self.you, self.overdue, self.union_name
            ),
            Kind::Criticism => format!(
                "为落实《关于建立健全困难职工联系人制度的意见》关于“完善纠错问责制度”的要求，根据{q}困难职工联系人制度落实情况审查结果，{}存在重大问题{n}个，问题较多、性质较重。为严肃纪律、推动整改，决定对{}予以通报批评。现将有关情况通报如下：",
                self.you, self.union_name
            ),
        }
    }

    /// Section 二、整改要求.
    pub(super) fn closing(&self) -> String {
        format!(
            "请{}对上述问题逐项核查整改，需要核实的逐项核实；于{}前在所附整改台账中逐条填写整改报告日期和整改措施，经县级以上工会核查后，连同书面整改报告一并报送{}。逾期未整改或整改不到位的，将按照《关于建立健全困难职工联系人制度的意见》纠错问责。",
            self.you, self.deadline, self.department
        )
    }
}

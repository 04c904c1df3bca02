//! Site boilerplate in pasted news pages: the parts of a page that belong to the website, not to
//! the report — editor and source lines, "related reading" lists, comment boxes, licence and
//! record numbers, the site's own complaint phone and copyright lines. They are dropped when an
//! article is read, so they are never answered from (a question about reporting fraud gets
//! 96110 / 110, never a website's complaint number); `check --dropped` lists them.
//!
//! The rules look at one block's text at a time and are deliberately narrow: a block is dropped
//! only when it is short and made of site furniture, never because it mentions a word that
//! reports also use (举报, 编辑, 评论 on their own keep a paragraph).

/// Blocks longer than this (in characters) are report text, whatever words they hold.
const LONGEST_BOILERPLATE: usize = 120;

/// Headings that open a list of links to other pages; everything up to the next heading goes.
const LINK_LIST_HEADINGS: &[&str] = &[
    "相关阅读",
    "相关新闻",
    "相关报道",
    "延伸阅读",
    "推荐阅读",
    "热门推荐",
    "猜你喜欢",
    "相关链接",
    "友情链接",
    "更多精彩",
    "相關閱讀",
    "相關新聞",
    "延伸閱讀",
    "推薦閱讀",
];

/// Openings of editor, source and byline lines: `【编辑：王某】`, `（责任编辑：…）`.
const BYLINE_OPENINGS: &[&str] = &[
    "编辑：",
    "编辑:",
    "责任编辑",
    "责编：",
    "审核：",
    "校对：",
    "来源：",
    "来源:",
    "作者：",
    "記者：",
    "編輯：",
    "責任編輯",
    "來源：",
];

/// Words that only site furniture is made of: comment boxes, sharing, licences, copyright.
const FURNITURE: &[&str] = &[
    "发表评论",
    "网友评论",
    "评论一下",
    "人参与",
    "抢沙发",
    "最热评论",
    "最新评论",
    "查看更多评论",
    "点击查看更多",
    "分享到",
    "扫一扫",
    "打印本页",
    "关闭窗口",
    "返回顶部",
    "网站地图",
    "联系我们",
    "关于我们",
    "ICP备",
    "ICP证",
    "公网安备",
    "网安备",
    "许可证",
    "备案号",
    "版权所有",
    "版权声明",
    "Copyright",
    "copyright",
    "©",
    "未经授权",
    "禁止转载",
    "不得转载",
    "转载请注明",
    "违法和不良信息",
    "不良信息举报",
    "举报邮箱",
    "發表評論",
    "網友評論",
    "版權所有",
    "不良資訊",
];

/// Whether a block heading opens a list of links to other pages.
pub fn opens_link_list(heading: &str) -> bool {
    let heading = heading.trim_matches(|c: char| c.is_whitespace() || "：:【】[]".contains(c));
    LINK_LIST_HEADINGS.iter().any(|h| heading.starts_with(h))
}

/// Whether a block of text is site furniture rather than report text.
pub fn is_boilerplate(text: &str) -> bool {
    let text = text.trim();
    if text.chars().count() > LONGEST_BOILERPLATE {
        return false;
    }
    let bare = text.trim_start_matches(['【', '（', '(', '[', '〔']);
    BYLINE_OPENINGS
        .iter()
        .any(|opening| bare.starts_with(opening))
        || FURNITURE.iter().any(|word| text.contains(word))
        || is_site_phone_line(text)
}

/// "举报电话：010-12345678": a line that gives the site's own complaint number. A sentence that
/// tells people to call 96110 or 110 is report text, and keeps its sentence end.
fn is_site_phone_line(text: &str) -> bool {
    let phone_line = ["举报电话", "举报热线", "投诉电话", "舉報電話"]
        .iter()
        .any(|opening| text.starts_with(opening));
    phone_line && !text.contains('。')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_furniture_is_boilerplate() {
        for line in [
            "【编辑：王某】",
            "（责任编辑：李四）",
            "来源：央视新闻客户端",
            "评论 0人参与，0条评论",
            "还没有评论，快来抢沙发吧！",
            "京ICP备12345678号",
            "互联网新闻信息服务许可证：11120180001",
            "违法和不良信息举报电话：010-12345678",
            "举报电话：12377",
            "版权所有 © 2024 某某网 未经授权禁止转载",
            "Copyright © 2024 example.com",
        ] {
            assert!(is_boilerplate(line), "{line}");
        }
    }

    #[test]
    fn report_text_is_kept_even_with_the_same_words() {
        for line in [
            "遇到电信网络诈骗，请立即拨打110报警，或拨打96110咨询。",
            "公安机关设立举报电话，鼓励群众举报涉诈线索。",
            "国家反诈中心累计下发预警指令940万条。",
            "编辑部门的同志介绍，今年以来共破获案件25.8万起，抓获犯罪嫌疑人7.9万名，各地公安机关持续开展断卡行动，依法打击帮助信息网络犯罪活动，清理涉诈电话卡和银行卡，这一段很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长很长。",
        ] {
            assert!(!is_boilerplate(line), "{line}");
        }
    }

    #[test]
    fn related_reading_headings_open_link_lists() {
        assert!(opens_link_list("相关阅读"));
        assert!(opens_link_list("【相关新闻】"));
        assert!(!opens_link_list("依法打击治理"));
    }
}

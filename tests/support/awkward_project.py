"""A small generated cobrand project that stresses what the example does not: right-to-left (Arabic),
CJK (Japanese), awkward brand colours and content with and without translations.

The validator tests (Nu HTML Checker, Lighthouse, the bidi check in Chromium) build it beside the example
project. Everything is written from the literals below: no network, no clock, no randomness.
"""

# ruff: noqa: E501  (the content below is data, one paragraph a line as authors write it)
from __future__ import annotations

from pathlib import Path

VENDOR_SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="240" height="60" viewBox="0 0 240 60">
  <rect x="2" y="6" width="48" height="48" rx="8" fill="#0b3d2e"/>
  <path d="M12 42 L26 16 L40 42 Z" fill="#f4d35e"/>
  <text x="60" y="40" font-family="DejaVu Sans" font-size="26" fill="#0b3d2e">Quayside</text>
</svg>
"""


def _logo(colour: str, label: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="300" height="100" viewBox="0 0 300 100">\n'
            f'  <rect x="4" y="14" width="72" height="72" rx="12" fill="{colour}"/>\n'
            f'  <text x="92" y="62" font-family="DejaVu Sans" font-size="30" fill="#222222">{label}</text>\n'
            f'</svg>\n')


CONFIG = """[vendor]
name = "Quayside Backup"
website = "https://quayside.example"
logo = "brand/quayside.svg"
legal = "Quayside and the Quayside mark are trademarks of Quayside Backup Ltd."

[vendor.colors]
primary = "#0b3d2e"
accent = "#f4d35e"

[site]
base_url = "https://partners.quayside.example/{partner}/"
title = "Quayside Partner Hub"

[tiers]
order = ["registered", "gold"]

[personalize.intro]
max_length = 400

[personalize.cta_label]
max_length = 40
default = "Talk to us"

[personalize.cta_url]
kind = "url"
max_length = 500
"""

# slug -> (partner.toml, logo colour, logo label). Colours: a yellow that fails contrast on white,
# a near-white, and a mid grey with an almost identical accent.
PARTNERS = {
    "gulf-shield": ("""name = "درع الخليج Gulf Shield"
tier = "gold"
locale = "ar-AE"
website = "https://gulf-shield.example"
logo = "logo.svg"

[colors]
primary = "#ffee00"
accent = "#fffdf0"

[contact]
email = "sales@gulf-shield.example"
phone = "+971 4 555 0199"

[personalize]
intro = "نحمي بيانات الشركات في دبي منذ عام 2012، بنسخ احتياطية لا يمكن تغييرها."
cta_label = "احجز مراجعة"
cta_url = "https://gulf-shield.example/review"
""", "#ffee00", "Gulf Shield"),
    "sakura-backup": ("""name = "さくらバックアップ株式会社"
tier = "gold"
locale = "ja-JP"
website = "https://sakura-backup.example"
logo = "logo.svg"

[colors]
primary = "#7a7a7a"
accent = "#7b7b7b"

[contact]
email = "info@sakura-backup.example"
phone = "+81 3 5555 0142"

[personalize]
intro = "東京を拠点に、中小企業のバックアップと復旧を支援しています。"
cta_label = "相談する"
""", "#7a7a7a", "Sakura"),
    "pale-harbour": ("""name = "Pale Harbour IT"
tier = "registered"
locale = "de-DE"
website = "https://pale-harbour.example"
logo = "logo.svg"

[colors]
primary = "#fafafa"

[contact]
email = "team@pale-harbour.example"
""", "#c0c0c0", "Pale Harbour"),
}

POST = """---
title: Test your restores before you need them
date: 2026-09-01
summary: A restore you have never tried is a hope, not a plan.
author: Ines Marlow
tags: [recovery, testing]
canonical_url: https://quayside.example/blog/restore-tests/
---

Backups that were never restored are a hope. {{ partner.name }} and {{ vendor.name }} help you turn them into a plan.

## Plan it with {{ partner.name }}

| Step | Owner | Time |
|---|---|---|
| Pick a service | IT lead | 1 hour |
| Restore it | Backup admin | 2 hours |

Read the [checklist](https://quayside.example/checklist) and call us.
"""

POST_AR = """---
title: اختبر الاستعادة قبل أن تحتاجها
date: 2026-09-01
summary: الاستعادة التي لم تجربها أبدا مجرد أمل، وليست خطة.
---

النسخ الاحتياطية التي لم تتم استعادتها مجرد أمل. تساعدك {{ partner.name }} و{{ vendor.name }} على تحويلها إلى خطة.

## خطط لها مع {{ partner.name }}

| الخطوة | المسؤول | الوقت |
|---|---|---|
| اختر خدمة | مدير تقنية المعلومات | ساعة واحدة |
| استعدها | مسؤول النسخ الاحتياطي | ساعتان |

اقرأ [قائمة التحقق](https://quayside.example/checklist) واتصل بنا على الرقم ‎+971 4 555 0199.
"""

POST_JA = """---
title: 必要になる前に復元を試す
date: 2026-09-01
summary: 一度も試していない復元は計画ではなく、希望にすぎません。
---

一度も復元していないバックアップは希望にすぎません。{{ partner.name }} と {{ vendor.name }} が計画に変えるお手伝いをします。

## {{ partner.name }} と計画する

| 手順 | 担当 | 時間 |
|---|---|---|
| サービスを選ぶ | IT 責任者 | 1 時間 |
| 復元する | バックアップ管理者 | 2 時間 |

[チェックリスト](https://quayside.example/checklist)を読んで、ご連絡ください。
"""

# Only in English: the Arabic, Japanese and German partners show it as marked fallback content.
ONE_PAGER = """---
title: Quayside Vault
subtitle: Immutable copies outside your tenant
date: 2026-08-01
summary: Immutable backups with fast, granular restores.
---

## Why Vault

Copies that nobody can delete, kept outside your tenant for as long as you choose.

## Specifications

| Item | Standard | Extended |
|---|---|---|
| Retention | 30 days | 7 years |
| Restore time | 4 hours | 1 hour |

## Talk to {{ partner.name }}

Ask for a demo.
"""

MEDIA = """---
title: Vault in five minutes
date: 2026-07-01
summary: A short tour of Quayside Vault.
kind: video
duration: "5:10"
embed:
  youtube: Qy5ide0Vau1
---

A tour of Vault by the team at {{ vendor.name }}.
"""

SOCIAL = """title: Restore test week
date: 2026-09-02
link: blog/restore-tests
hashtags: [Backup]
variants:
  linkedin: "Have you restored a whole service this year? {{ partner.name }} can run the test with you."
  x: "When did you last restore a whole service? {{ partner.name }} can help."
  facebook: "A backup you have never restored is a hope. Ask {{ partner.name }} for a restore test."
"""

SOCIAL_AR = """title: أسبوع اختبار الاستعادة
date: 2026-09-02
variants:
  linkedin: "هل استعدت خدمة كاملة هذا العام؟ يمكن لـ {{ partner.name }} إجراء الاختبار معك."
  x: "متى استعدت خدمة كاملة آخر مرة؟ {{ partner.name }} يمكنه المساعدة."
  facebook: "النسخة الاحتياطية التي لم تستعدها أبدا مجرد أمل. اطلب من {{ partner.name }} اختبار استعادة."
"""

FILES = {
    "cobrand.toml": CONFIG,
    "brand/quayside.svg": VENDOR_SVG,
    "content/blog/restore-tests.md": POST,
    "content/blog/restore-tests.ar.md": POST_AR,
    "content/blog/restore-tests.ja.md": POST_JA,
    "content/one-pagers/quayside-vault.md": ONE_PAGER,
    "content/media/vault-in-five-minutes.md": MEDIA,
    "content/social/restore-test-week.yaml": SOCIAL,
    "content/social/restore-test-week.ar.yaml": SOCIAL_AR,
}


def write_awkward_project(root: Path, *, social: bool = True) -> Path:
    """Write the project into ``root`` (created) and return it; ``social=False`` leaves out the social posts."""
    files = dict(FILES)
    if not social:
        files = {path: text for path, text in files.items() if not path.startswith("content/social/")}
    for slug, (toml, colour, label) in PARTNERS.items():
        files[f"partners/{slug}/partner.toml"] = toml
        files[f"partners/{slug}/logo.svg"] = _logo(colour, label)
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root

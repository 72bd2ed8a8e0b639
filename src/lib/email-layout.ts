/** Renders a transactional email as text and HTML from one description, escaping every value. */
export interface EmailContent {
  subject: string;
  heading: string;
  paragraphs: string[];
  action?: { label: string; url: string };
  footer?: string;
}

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

export function renderEmail(content: EmailContent): {
  subject: string;
  text: string;
  html: string;
  links: string[];
} {
  const text = [
    content.heading,
    '',
    ...content.paragraphs.flatMap((p) => [p, '']),
    ...(content.action ? [`${content.action.label}: ${content.action.url}`, ''] : []),
    ...(content.footer ? [content.footer] : []),
  ].join('\n');
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#111">
<h1 style="font-size:20px">${escapeHtml(content.heading)}</h1>
${content.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n')}
${content.action ? `<p><a href="${escapeHtml(content.action.url)}" style="display:inline-block;padding:10px 16px;background:#2b59c3;color:#fff;border-radius:6px;text-decoration:none">${escapeHtml(content.action.label)}</a></p>` : ''}
${content.footer ? `<p style="color:#666;font-size:13px">${escapeHtml(content.footer)}</p>` : ''}
</body></html>`;
  return { subject: content.subject, text, html, links: content.action ? [content.action.url] : [] };
}

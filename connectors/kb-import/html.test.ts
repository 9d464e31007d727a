import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeEntities, htmlToText } from './html.js';

test('an article becomes Markdown-like text: headings, paragraphs, list items', () => {
  const html = `<!doctype html><html><head><title>Refund policy | Acme Help</title>
    <style>p { color: red }</style><script>var x = "<p>not text</p>";</script></head>
    <body><nav><a href="/">Home</a> &gt; <a href="/billing">Billing</a></nav>
    <h1>Refund   policy</h1><p>Refunds take <b>5&nbsp;business days</b>.<br>Card refunds take longer.</p>
    <h2>Methods</h2><ul><li>Card</li><li>Store <em>credit</em></li></ul>
    <table><tr><td>Standard</td><td>3 days</td></tr></table></body></html>`;
  assert.deepEqual(htmlToText(html), {
    title: 'Refund policy | Acme Help',
    text: '# Refund policy\n\nRefunds take 5 business days.\nCard refunds take longer.\n\n## Methods\n\n- Card\n- Store credit\n\nStandard 3 days',
  });
});

test('the first h1 is the title when there is no <title>', () => {
  assert.equal(htmlToText('<p>intro</p><h1>Lost <i>card</i></h1><h1>Other</h1>').title, 'Lost card');
  assert.equal(htmlToText('<p>no heading</p>').title, null);
});

test('no tag survives: comments, CDATA, quoted > in attributes, unclosed tags and scripts', () => {
  const nasty = [
    '<p title="a > b" onclick=\'x>y\'>kept</p>',
    '<!-- <p>hidden</p> -->',
    '<SCRIPT type="text/javascript">document.write("<b>x</b>")</SCRIPT >',
    '<scripty>inline element</scripty>',
    '<![CDATA[raw <text>]]>',
    '<img src=x onerror=alert(1)>',
    '<p>2 < 3 and 5 > 4</p>',
    '<style>never closed',
  ].join('');
  const { text } = htmlToText(nasty);
  assert.equal(text, 'kept\n\ninline elementraw < text>\n\n2 < 3 and 5 > 4');
  assert.doesNotMatch(text, /<[a-zA-Z/!?]/);
});

test('an unclosed comment or tag drops the rest rather than leaking markup', () => {
  assert.equal(htmlToText('before<!-- never closed <p>x</p>').text, 'before');
  assert.equal(htmlToText('before<a href="unterminated>after').text, 'before');
});

test('encoded markup stays inert text', () => {
  const { text } = htmlToText('<p>Type &lt;script&gt;alert(1)&lt;/script&gt; &amp; see</p>');
  assert.equal(text, 'Type < script>alert(1)< /script> & see');
});

test('entities: named, decimal and hex; invalid code points become U+FFFD; unknown names stay', () => {
  assert.equal(
    decodeEntities('&euro;5 &#8364;5 &#x20AC;5 &#0; &#xD800; &bogus; &AMP;'),
    '€5 €5 €5 \ufffd \ufffd &bogus; &',
  );
});

test('pre keeps its line breaks', () => {
  assert.equal(htmlToText('<pre>line 1\nline 2</pre>').text, 'line 1\nline 2');
});

test('a large document with many unclosed quotes is handled in linear time', () => {
  const html = '<p a="'.repeat(20_000) + 'x'.repeat(10);
  const started = Date.now();
  htmlToText(html);
  assert.ok(Date.now() - started < 1000);
});

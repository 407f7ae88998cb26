// The result panel: the verdict with its data status, the facts declared
// and the questions still open (a short questionnaire: each answer checks
// again with the fact declared), the zones met with every citation and its
// two statuses, the layers known absent, and the record a planner prints.
// app.js owns the state and the map; it hands this module what it needs
// (ctx) and gets DOM nodes back.

import { citationStatus, citationRef, questionOutcomes, dataStatus } from './answer.js';

const VERDICTS = ['prohibited', 'restricted', 'allowed', 'outside_coverage'];

/**
 * The result panel's children for an answer r. ctx: {h, t, text2, label,
 * num, pct, distanceText, dateTime, lang, categories, layerById, facts,
 * onFocus(hit), onAnswer(factId, value), onForget(factId), siteDescription(),
 * shareBlock()}.
 */
export function resultNodes(r, ctx) {
  const { h, t, text2 } = ctx;
  const verdict = VERDICTS.includes(r.verdict) ? r.verdict : 'outside_coverage';
  const cat = ctx.categories.find((c) => c.id === r.category);
  const hits = Array.isArray(r.hits) ? r.hits : [];
  const notes = Array.isArray(r.notes) ? r.notes : [];
  const cov = r.coverage;
  const status = dataStatus(r);

  const children = [
    h(
      'div',
      { class: 'verdict-row' },
      h('span', { id: 'verdict', class: `badge verdict-${verdict}`, dataset: { verdict: r.verdict }, 'data-testid': 'verdict', text: t(`verdict.${verdict}`) }),
      h('span', { class: 'verdict-category', text: cat ? text2(cat.name) : text2(r.category_name) || r.category || '' }),
      h('span', { id: 'data-status', class: `tag data-status data-${status}`, dataset: { status }, 'data-testid': 'data-status', text: t(`data.${status}`) }),
    ),
    h('p', { class: 'verdict-explain', text: t(`verdict.explain.${verdict}`) }),
  ];
  if (r.data_status_note && text2(r.data_status_note)) {
    children.push(h('p', { class: `data-status-note data-${status}`, id: 'data-status-note', text: text2(r.data_status_note) }));
  }
  if (cov && cov.inside && !cov.whole) {
    children.push(h('p', { class: 'coverage-note', text: t('coverage.partial', { pct: ctx.pct(cov.inside_ratio) }) }));
  }
  if (notes.length) {
    children.push(h('ul', { class: 'notes' }, notes.map((n) => h('li', { text: text2(n) }))));
  }
  if (ctx.moveBlock && (verdict === 'prohibited' || verdict === 'restricted')) children.push(ctx.moveBlock(r));
  children.push(factsBlock(r, ctx));
  children.push(questionnaire(r, ctx));
  if (verdict !== 'outside_coverage' || hits.length) {
    children.push(h('h3', { class: 'hits-title', text: t('hits.title', { n: hits.length }) }));
    if (hits.length === 0) children.push(h('p', { class: 'hint', text: t('hits.none') }));
    else children.push(h('ol', { class: 'hits' }, hits.map((hit, i) => hitRow(hit, i === 0 && hit.rule_id === r.deciding_rule, ctx))));
  }
  if (verdict === 'allowed') children.push(consultedBlock(r, ctx));
  children.push(absentBlock(r, ctx));
  if (ctx.recordBlock) children.push(ctx.recordBlock(r));
  children.push(metaBlock(r, ctx));
  children.push(ctx.shareBlock(r));
  return children.filter(Boolean);
}

// The facts the check was made with, each with a way to take it back.
function factsBlock(r, ctx) {
  const { h, t, text2 } = ctx;
  const facts = r.facts && typeof r.facts === 'object' ? r.facts : {};
  const ids = Object.keys(facts).sort();
  if (ids.length === 0) return null;
  const name = (id) => {
    const f = (ctx.factDefs || []).find((x) => x.id === id);
    return f ? text2(f.name) : id;
  };
  return h(
    'section',
    { class: 'facts', 'data-testid': 'facts' },
    h('h3', { text: t('facts.title') }),
    h(
      'ul',
      null,
      ids.map((id) =>
        h(
          'li',
          { dataset: { fact: id, value: String(facts[id]) } },
          h('span', { text: `${name(id)}${ctx.lang === 'zh' ? '：' : ': '}` }),
          h('strong', { text: t(facts[id] ? 'answer.yes' : 'answer.no') }),
          ' ',
          h('button', { type: 'button', class: 'link no-print', onclick: () => ctx.onForget(id), text: t('facts.forget') }),
        ),
      ),
    ),
  );
}

// The open questions: each asked with what either answer would give; an
// answer checks again with the fact declared.
function questionnaire(r, ctx) {
  const { h, t, text2 } = ctx;
  const qs = Array.isArray(r.questions) ? r.questions : [];
  if (qs.length === 0) return null;
  const sep = ctx.lang === 'zh' ? '：' : ': ';
  return h(
    'section',
    { class: 'questions', id: 'questions', 'data-testid': 'questions' },
    h('h3', { text: t('questions.title', { n: qs.length }) }),
    h('p', { class: 'hint', text: t('questions.explain') }),
    h(
      'ol',
      null,
      qs.map((q) => {
        const o = questionOutcomes(q);
        const gives = (key, x) =>
          h(
            'li',
            { class: `outcome verdict-text-${x.verdict}` },
            `${t(key)} → `,
            h('strong', { text: t(`verdict.${x.verdict}`) }),
            x.rule ? ` ${t('hit.rule')}${sep}${x.rule}` : '',
            x.ref ? `；${x.ref}` : '',
          );
        return h(
          'li',
          { class: 'question', dataset: { fact: q.id }, 'data-testid': 'question' },
          h('p', { class: 'question-text', text: text2(q.question) }),
          h(
            'div',
            { class: 'row answers no-print' },
            h('button', { type: 'button', class: 'answer', dataset: { answer: 'yes' }, onclick: () => ctx.onAnswer(q.id, true), text: t('answer.yes') }),
            h('button', { type: 'button', class: 'answer', dataset: { answer: 'no' }, onclick: () => ctx.onAnswer(q.id, false), text: t('answer.no') }),
          ),
          h('ul', { class: 'outcomes' }, gives('answer.yes', o.yes), gives('answer.no', o.no)),
        );
      }),
    ),
  );
}

function hitRow(hit, deciding, ctx) {
  const { h, t, text2, label } = ctx;
  const info = ctx.layerById.get(hit.layer);
  const effect = hit.effect || 'allowed';
  const rows = [
    [t('hit.layer'), info ? text2(info.title) : hit.layer],
    hit.subzone ? [t('hit.subzone'), label('subzone', hit.subzone)] : null,
    [t('hit.relation'), label('relation', hit.relation)],
    [t('hit.distance'), ctx.distanceText(hit.distance_m)],
    hit.origin ? [t('hit.origin'), text2(hit.origin.note)] : null,
    hit.overlap_m2 > 0 ? [t('hit.overlap'), t('overlap.value', { m2: ctx.num(hit.overlap_m2, 4), pct: ctx.pct(hit.overlap_ratio) })] : null,
    hit.condition && text2(hit.condition) ? [t('hit.condition'), text2(hit.condition)] : null,
    hit.basis ? [t('hit.zone_basis'), hit.basis] : null,
    Array.isArray(hit.open_facts) && hit.open_facts.length ? [t('hit.open'), t('hit.open_value')] : null,
  ].filter(Boolean);
  const cites = Array.isArray(hit.citations) ? hit.citations : [];
  return h(
    'li',
    {
      class: `hit effect-${effect}${deciding ? ' deciding' : ''}`,
      dataset: { layer: hit.layer, zone: hit.zone_id || '', effect, relation: hit.relation || '' },
      'data-testid': 'hit',
      tabindex: '0',
      onclick: () => ctx.onFocus(hit),
      onkeydown: (e) => {
        if (e.key === 'Enter') ctx.onFocus(hit);
      },
    },
    h(
      'div',
      { class: 'hit-head' },
      h('span', { class: `badge small verdict-${effect}`, text: t(`verdict.${effect}`) }),
      h('strong', { class: 'hit-zone', text: text2(hit.zone_name) || hit.zone_id || '' }),
      deciding ? h('span', { class: 'tag deciding-tag', text: t('hit.deciding') }) : null,
    ),
    h('dl', { class: 'hit-facts' }, rows.map(([k, v]) => [h('dt', { text: k }), h('dd', { text: v })])),
    cites.map((c, i) => citationBlock(c, i === 0, ctx, 'hit.rule_citation')),
    hit.rule_id ? h('div', { class: 'hint rule-id', text: `${t('hit.rule')}${ctx.lang === 'zh' ? '：' : ': '}${hit.rule_id}` }) : null,
  );
}

/** One citation with both statuses, its note and where it was read. */
export function citationBlock(c, first, ctx, firstLabel = 'hit.citation') {
  const { h, t, text2 } = ctx;
  const st = citationStatus(c);
  const sep = ctx.lang === 'zh' ? '：' : ': ';
  return h(
    'div',
    { class: 'citation', dataset: { quoteStatus: st.quote, application: st.application } },
    h('span', { class: 'cite-label', text: t(first ? firstLabel : 'hit.citation_more') + sep }),
    h('span', { class: 'cite-doc', text: citationRef(c) }),
    ' ',
    h('span', { class: `tag cite-status cite-quote-${st.quote}`, dataset: { status: st.quote }, text: t(`citation.quote.${st.quote}`) }),
    ' ',
    h('span', { class: `tag cite-application cite-app-${st.application}`, dataset: { status: st.application }, text: t(`citation.application.${st.application}`) }),
    c.quote ? h('blockquote', { class: 'cite-quote', text: c.quote }) : null,
    c.note && text2(c.note) ? h('p', { class: 'cite-note', text: text2(c.note) }) : null,
    c.read_in ? h('p', { class: 'hint cite-read-in', text: `${t('citation.read_in')}${sep}${c.read_in}` }) : null,
  );
}

// What an allowed answer was judged against: the layers read (with their
// versions) and the rules of the category in the rules version, so that
// "allowed" is seen to mean "nothing in these forbids it".
function consultedBlock(r, ctx) {
  const { h, t, text2 } = ctx;
  const layers = Array.isArray(r.layers) ? r.layers : [];
  const rules = (ctx.rules || []).filter((x) => Array.isArray(x.categories) && (x.categories.includes(r.category) || x.categories.includes('*')));
  return h(
    'section',
    { class: 'consulted', id: 'consulted', 'data-testid': 'consulted' },
    h('h3', { text: t('consulted.title') }),
    h(
      'dl',
      null,
      h('dt', { text: t('consulted.layers') }),
      h(
        'dd',
        null,
        h(
          'ul',
          { class: 'consulted-layers' },
          layers.map((l) => {
            const info = ctx.layerById.get(l.id);
            return h('li', { dataset: { layer: l.id } }, `${info ? text2(info.title) : l.id} v${l.version}`);
          }),
        ),
      ),
      h('dt', { text: t('consulted.rules') }),
      h(
        'dd',
        { class: 'consulted-rules' },
        h('p', { text: t('consulted.rules_value', { v: r.rules_version || '–', n: rules.length }) }),
        rules.length ? h('p', { class: 'hint', text: rules.map((x) => x.id).join(ctx.lang === 'zh' ? '、' : ', ') }) : null,
      ),
    ),
  );
}

// The layers known not to exist in the district, with the words that say so.
function absentBlock(r, ctx) {
  const { h, t, text2 } = ctx;
  const absent = Array.isArray(r.absent) ? r.absent : [];
  if (absent.length === 0) return null;
  return h(
    'section',
    { class: 'absent', id: 'absent', 'data-testid': 'absent' },
    h('h3', { text: t('absent.title') }),
    h(
      'ul',
      null,
      absent.map((a) => h('li', { dataset: { absent: a.id } }, h('strong', { text: text2(a.name) }), a.citation ? citationBlock(a.citation, true, ctx) : null)),
    ),
  );
}

function metaBlock(r, ctx) {
  const { h, t, text2 } = ctx;
  const cat = ctx.categories.find((c) => c.id === r.category);
  const layerVersions = (r.layers || [])
    .map((l) => {
      const info = ctx.layerById.get(l.id);
      const status = l.status ? `（${t(`status.${l.status}`)}）` : '';
      return `${info ? text2(info.title) : l.id} v${l.version}${status}`;
    })
    .join(ctx.lang === 'zh' ? '；' : '; ');
  const rows = [
    [t('meta.check_id'), r.check_id || '–', 'check-id'],
    [t('meta.checked_at'), ctx.dateTime(r.checked_at), 'checked-at'],
    [t('meta.category'), cat ? (ctx.lang === 'zh' ? `${text2(cat.name)}（${r.category}）` : `${text2(cat.name)} (${r.category})`) : r.category || '–'],
    [t('meta.site'), ctx.siteDescription()],
    r.as_of ? [t('meta.as_of'), String(r.as_of).slice(0, 10)] : null,
    r.reference ? [t('meta.reference'), r.reference] : null,
    [t('meta.data_status'), t(`data.${dataStatus(r)}`), 'meta-data-status'],
    [t('meta.rules_version'), r.rules_version || '–', 'rules-version'],
    [t('meta.layers'), layerVersions || '–', 'layer-versions'],
    r.decision_hash ? [t('meta.decision_hash'), r.decision_hash, 'decision-hash'] : null,
  ].filter(Boolean);
  return h(
    'section',
    { class: 'meta' },
    h('h3', { text: t('meta.title') }),
    h('dl', null, rows.map(([k, v, id]) => [h('dt', { text: k }), h('dd', { id, text: v })])),
  );
}

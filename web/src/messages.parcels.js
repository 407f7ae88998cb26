// The labels of the parcel register search and of 用地报盘 TXT files with
// several 地块, in Chinese and English; messages.js merges them into its
// tables (this keeps that file under its size).

export const PARCEL_MESSAGES = {
  zh: {
    'search.parcel_unavailable': '未加载宗地登记库，暂不能按宗地号查找。管理员可用命令“ecospace import --layer parcels --file 文件 --parcel-field 宗地号”导入。',
    'search.parcel_unavailable_on': '{date} 没有生效的宗地登记库，不能按宗地号查找。',
    'record.points_numbered': '点号按顺序编为 J1、J2…，不是报盘文件中的点号；坐标为文件坐标经经纬度换算，与原值相差不超过 0.1 米。',
    'txt.title': '文件中有 {n} 个地块：可逐个检查，或选择项目类别后全部检查。',
    'txt.number': '地块编号',
    'txt.name': '地块名称',
    'txt.area': '面积',
    'txt.area_value': '{a} 平方米（{mu} 亩）',
    'txt.result': '结论',
    'txt.check': '检查',
    'txt.action': '单独检查',
    'txt.check_all': '全部检查',
    'txt.open': '查看该地块的完整结论',
    'txt.problems': '无法检查',
    'txt.need_category': '请先选择项目类别，再全部检查。',
    'txt.batch_failed': '批量检查未完成：{detail}',
    'txt.batch_lines': '批量结果中有 {n} 行无法读取：{detail}',
  },
  en: {
    'search.parcel_unavailable': 'No parcel register is loaded, so parcels cannot be found by number. A steward loads one with the command “ecospace import --layer parcels --file FILE --parcel-field 宗地号”.',
    'search.parcel_unavailable_on': 'No parcel register is in force on {date}, so parcels cannot be found by number.',
    'record.points_numbered': 'Points are numbered J1, J2, … in order, not by the 点号 of the file; their X/Y are the file’s converted through lon/lat, within 0.1 m of it.',
    'txt.title': { one: 'The file holds {n} 地块.', other: 'The file holds {n} 地块: check one, or choose a category and check them all.' },
    'txt.number': '地块编号 (number)',
    'txt.name': 'Name',
    'txt.area': 'Area',
    'txt.area_value': '{a} m² ({mu} mu)',
    'txt.result': 'Result',
    'txt.check': 'Check',
    'txt.action': 'Alone',
    'txt.check_all': 'Check all',
    'txt.open': 'Open the full answer for this 地块',
    'txt.problems': 'Not checked',
    'txt.need_category': 'Choose a category first, then check them all.',
    'txt.batch_failed': 'The batch check did not complete: {detail}',
    'txt.batch_lines': { one: '{n} line of the batch answer could not be read: {detail}', other: '{n} lines of the batch answer could not be read: {detail}' },
  },
};

// The labels of the parcel register search and of 用地报盘 TXT files with
// several 地块, in Chinese and English; messages.js merges them into its
// tables (this keeps that file under its size).

export const PARCEL_MESSAGES = {
  zh: {
    'search.parcel_unavailable': '未加载宗地登记库，暂不能按宗地号查找。管理员可用 `ecospace import --layer parcels --file 文件 --parcel-field 宗地号` 导入。',
    'search.parcel_unavailable_on': '{date} 没有生效的宗地登记库，不能按宗地号查找。',
  },
  en: {
    'search.parcel_unavailable': 'No parcel register is loaded, so parcels cannot be found by number. A steward loads one with `ecospace import --layer parcels --file FILE --parcel-field 宗地号`.',
    'search.parcel_unavailable_on': 'No parcel register is in force on {date}, so parcels cannot be found by number.',
  },
};
